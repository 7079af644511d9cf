//! Python code can put anything in `sys.modules`: a module posing as
//! `array` or `mmap`, whose `array`/`mmap` is ctypes' array type, must not
//! make ctypes memory (which `ctypes.resize` reallocates under an export)
//! `Pinned`. A test binary of its own: on Python 3 the real modules' procs
//! are looked up once and kept, so nothing may have looked before.

use legacy_buffer::{ffi, with_gil, BufferKind};

#[test]
fn modules_posing_as_array_and_mmap_pin_nothing() {
    with_gil(|py| {
        py.run(
            "import sys, types, ctypes, _ctypes\n\
             fake = types.ModuleType('array')\n\
             fake.array = ctypes.c_char * 64\n\
             sys.modules['array'] = fake\n\
             # an extension module (it has a PyModuleDef) with a type of Python's making\n\
             _ctypes.mmap = ctypes.c_char * 64\n\
             sys.modules['mmap'] = _ctypes\n\
             c = (ctypes.c_char * 64)()",
        )
        .unwrap();
        let c = py.eval("c").unwrap();
        assert_eq!(c.read_buffer().unwrap().kind(), BufferKind::Unpinned);
        assert_eq!(c.write_buffer().unwrap().kind(), BufferKind::Unpinned);

        // The real modules, once back, are known (on Python 3, where a held
        // export keeps an array in place).
        py.run(
            "del sys.modules['array'], sys.modules['mmap'], _ctypes.mmap\n\
             import array, mmap\n\
             a = array.array('b', b'xy')\n\
             m = mmap.mmap(-1, 16)",
        )
        .unwrap();
        let expected = if ffi::PY3 {
            BufferKind::Pinned
        } else {
            BufferKind::Unpinned
        };
        for name in ["a", "m"] {
            let object = py.eval(name).unwrap();
            assert_eq!(object.read_buffer().unwrap().kind(), expected, "{name}");
        }
        assert_eq!(c.read_buffer().unwrap().kind(), BufferKind::Unpinned);
    })
}
