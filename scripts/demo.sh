#!/bin/bash
# The demo of the main job, on an embedded default: computes the tags of this checkout.
# (Extended as push and promote land: registry on loopback, example image, promotions.)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset dev >/dev/null && cmake --build --preset dev >/dev/null
./build/convoy tags --images ghcr.io/example/app --tags $'type=ref,event=branch\ntype=sha'
