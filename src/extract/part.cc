#include "extract/part.h"
