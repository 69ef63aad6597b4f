# Writes the portal's templates into a C++ initializer list, so the binary
# carries its pages and needs no install folder. Usage:
#   cmake -DOUT=file.inc -DDIR=templates -P embed.cmake
set(body "")
file(GLOB IN ${DIR}/*.mustache)
list(SORT IN)
foreach(file IN LISTS IN)
  get_filename_component(name ${file} NAME_WE)
  file(READ ${file} text)
  string(APPEND body "{\"${name}\", R\"steward_template(${text})steward_template\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
