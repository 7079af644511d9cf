# Sourced by ci/main and ci/bench: builds the C extension module and its Rust
# port in release mode against the release build of Python 2.7, and sets
#   C_MODULES  directory of legacy_checksum.so (C, -O2, by the tests crate's
#              build script, as distributions build extensions)
#   PORT_DIR   a temporary directory of legacy_checksum_rs.so, the port (built
#              without libpython, as an extension module must be), removed on exit
#   SNAPPY_ORIGINAL  python-snappy 0.5.4's _snappy.so (C++, by the same build
#              script, from the sdist ci/third-party downloads)
#   SNAPPY_PORT      its Rust port (legacy-snappy), in PORT_DIR
#   BITARRAY_ORIGINAL  directory of bitarray 1.2.2's package with its C
#              _bitarray.so and _util.so (the same build script, from its sdist)
#   BITARRAY_PORT    directory of the same package with the Rust port
#              (legacy-bitarray's library as _bitarray.so, _util.so a symlink
#              to it), in PORT_DIR
# and, with build_pypy_modules, the same for PyPy 2.7 (target/pypy, as
# tests/tests/pypy.rs builds them), named as /usr/bin/pypy imports them:
#   PYPY_C_MODULES, PYPY_PORT_DIR
build_modules() {
  C_MODULES=$(cargo build --release -p legacy-buffer-tests --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and "legacy-buffer-tests" in m["package_id"]:
        print(m["out_dir"] + "/python-modules")')
  [ -n "$C_MODULES" ] || { echo "building the C modules failed: cargo build --release -p legacy-buffer-tests" >&2; return 1; }
  cargo build --quiet --release -p legacy-checksum --features extension-module \
    --target-dir target/extension-module
  PORT_DIR=$(mktemp -d)
  trap 'rm -rf "$PORT_DIR"' EXIT
  cp target/extension-module/release/liblegacy_checksum.so "$PORT_DIR/legacy_checksum_rs.so"
  SNAPPY_ORIGINAL=$C_MODULES/snappy-original/_snappy.so
  [ -f "$SNAPPY_ORIGINAL" ] || { echo "no $SNAPPY_ORIGINAL: run ci/install-deps (python-snappy's sdist)" >&2; return 1; }
  cargo build --quiet --release -p legacy-snappy --features extension-module \
    --target-dir target/extension-module
  SNAPPY_PORT=$PORT_DIR/_snappy.so
  cp target/extension-module/release/liblegacy_snappy.so "$SNAPPY_PORT"
  BITARRAY_ORIGINAL=$C_MODULES/bitarray-original
  [ -f "$BITARRAY_ORIGINAL/bitarray/_bitarray.so" ] || { echo "no $BITARRAY_ORIGINAL/bitarray/_bitarray.so: run ci/install-deps (bitarray's sdist)" >&2; return 1; }
  cargo build --quiet --release -p legacy-bitarray --features extension-module \
    --target-dir target/extension-module
  BITARRAY_PORT=$PORT_DIR/bitarray-port
  mkdir -p "$BITARRAY_PORT/bitarray"
  cp "$BITARRAY_ORIGINAL"/bitarray/*.py "$BITARRAY_PORT/bitarray/"
  cp target/extension-module/release/liblegacy_bitarray.so "$BITARRAY_PORT/bitarray/_bitarray.so"
  ln -sf _bitarray.so "$BITARRAY_PORT/bitarray/_util.so"
}

build_pypy_modules() {
  local suffix
  suffix=$(/usr/bin/pypy -c "import sysconfig; print sysconfig.get_config_var('SO')")
  PYPY_C_MODULES=$(LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR=/usr/lib/pypy/include \
      LEGACY_BUFFER_SYS_PYTHON_LIB_DIR=/usr/lib/pypy/bin LEGACY_BUFFER_SYS_PYTHON_LIB_NAME=pypy-c \
      LEGACY_BUFFER_SYS_NO_LINK=1 LEGACY_BUFFER_TEST_EXTENSION_SUFFIX="$suffix" \
      cargo build --release -p legacy-buffer-tests -p legacy-checksum \
        --features legacy-checksum/extension-module --target-dir target/pypy \
        --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and "legacy-buffer-tests" in m["package_id"]:
        print(m["out_dir"] + "/python-modules")')
  [ -n "$PYPY_C_MODULES" ] || { echo "building the modules for PyPy failed (see tests/tests/pypy.rs)" >&2; return 1; }
  PYPY_PORT_DIR=$(mktemp -d)
  trap 'rm -rf "$PORT_DIR" "$PYPY_PORT_DIR"' EXIT
  cp target/pypy/release/liblegacy_checksum.so "$PYPY_PORT_DIR/legacy_checksum_rs$suffix"
}
