//! Buffers longer than any 32-bit length: an `mmap` of a 5 GiB sparse file
//! (past 4 GiB) and a `bytearray` of 2**31 + 3 bytes (past `i32::MAX`).
//!
//! Lengths must come through the safe API exactly, and the first and last
//! bytes (and the bytes either side of the 2 GiB and 4 GiB marks) must be
//! read and written at the right place, as Python sees them.
//!
//! Memory: the sparse file costs only the pages touched; the bytearray is
//! 2 GiB of real memory. The two tests take one lock, so at most one of them
//! runs at a time (about 2 GiB at the peak), and nothing here copies a whole
//! buffer.

use legacy_buffer::{with_gil, Buffer, BufferKind, Object, Python};
use legacy_buffer_tests::oracle::assert_clear;
use std::path::PathBuf;
use std::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const GIB: usize = 1 << 30;

/// A file in the temporary directory, removed when dropped (also when a
/// test fails).
struct TempFile(PathBuf);

impl TempFile {
    fn sparse(len: u64) -> TempFile {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let path = std::env::temp_dir().join(format!(
            "legacy-buffer-big-{}-{nanos}.bin",
            std::process::id()
        ));
        let file = std::fs::File::create_new(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        // Extending with set_len writes nothing: the file is one big hole.
        file.set_len(len).expect("truncate to 5 GiB");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Python's view of some bytes, as a `str`'s bytes.
fn python_bytes(py: Python<'_>, expr: &str) -> Vec<u8> {
    let s = py
        .eval(expr)
        .unwrap_or_else(|e| panic!("evaluating {expr}: {e}"));
    let buf = s.read_buffer().unwrap();
    buf.as_bytes()
        .unwrap_or_else(|| panic!("{expr} is not a str"))
        .to_vec()
}

fn python_int(py: Python<'_>, expr: &str) -> u64 {
    py.eval(expr)
        .and_then(|o| o.repr())
        .unwrap_or_else(|e| panic!("evaluating {expr}: {e}"))
        .trim_end_matches('L')
        .parse()
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn read_byte(buf: &Buffer<'_>, at: usize) -> u8 {
    let mut b = [0xEE];
    buf.read_at(at, &mut b)
        .unwrap_or_else(|e| panic!("read_at({at}): {e}"));
    b[0]
}

fn borrow_all<'a>(obj: &'a Object<'_>) -> [(&'static str, Buffer<'a>); 3] {
    [
        ("char", obj.char_buffer().expect("char_buffer")),
        ("read", obj.read_buffer().expect("read_buffer")),
        ("write", obj.write_buffer().expect("write_buffer")),
    ]
}

#[test]
fn mmap_of_a_5_gib_sparse_file() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    const LEN: usize = 5 * GIB;
    let file = TempFile::sparse(LEN as u64);
    with_gil(|py| {
        py.run(&format!(
            "import mmap\n\
             _big_file = open({:?}, 'r+b')\n\
             _big_mmap = mmap.mmap(_big_file.fileno(), 0)\n",
            file.0.to_str().expect("a UTF-8 temporary path")
        ))
        .unwrap_or_else(|e| panic!("mapping {}: {e}", file.0.display()));
        let m = py.eval("_big_mmap").unwrap();
        assert_eq!(python_int(py, "len(_big_mmap)"), LEN as u64);
        assert!(m.check_read_buffer());

        for (function, buf) in &borrow_all(&m) {
            assert_clear(py, function);
            assert_eq!(buf.len(), LEN, "{function}: the length, exactly");
            assert_eq!(buf.kind(), BufferKind::Unpinned, "{function}");
            // A hole reads as zeros.
            assert_eq!(read_byte(buf, 0), 0, "{function}: first byte");
            assert_eq!(read_byte(buf, LEN - 1), 0, "{function}: last byte");
            let e = buf.read_at(LEN, &mut [0]).unwrap_err();
            assert_eq!(
                (e.type_name(), e.message()),
                (
                    "IndexError",
                    format!("range {LEN}..{LEN}+1 out of bounds for a buffer of {LEN} bytes")
                        .as_str()
                )
            );
            assert_clear(py, function);
        }

        // Writes at the ends and across the 4 GiB mark, seen by Python.
        let buf = m.write_buffer().unwrap();
        buf.write_at(0, b"F").unwrap();
        buf.write_at(LEN - 1, b"L").unwrap();
        buf.write_at(4 * GIB - 1, b"<>").unwrap();
        buf.write_at(2 * GIB - 1, b"[]").unwrap();
        assert_clear(py, "write_at");
        assert_eq!(
            python_bytes(
                py,
                "_big_mmap[0] + _big_mmap[len(_big_mmap) - 1] + _big_mmap[2**32 - 1:2**32 + 1] \
                 + _big_mmap[2**31 - 1:2**31 + 1]"
            ),
            b"FL<>[]"
        );
        // The bytes around them are still zero: nothing landed 4 GiB off.
        assert_eq!(
            python_bytes(
                py,
                "_big_mmap[1] + _big_mmap[len(_big_mmap) - 2] + _big_mmap[2**32 + 1]"
            ),
            b"\0\0\0"
        );
        assert_eq!(python_bytes(py, "_big_mmap[2**32 - 2:2**32 - 1]"), b"\0");

        // Python's writes past 4 GiB, read back through the safe API.
        py.run("_big_mmap[2**32 + 7] = 'P'\n_big_mmap[len(_big_mmap) - 1] = 'Z'")
            .unwrap();
        for (function, buf) in &borrow_all(&m) {
            assert_eq!(read_byte(buf, 4 * GIB + 7), b'P', "{function}");
            assert_eq!(read_byte(buf, LEN - 1), b'Z', "{function}");
            assert_eq!(read_byte(buf, 0), b'F', "{function}");
            let mut four = [0u8; 4];
            buf.read_at(4 * GIB - 2, &mut four).unwrap();
            assert_eq!(&four, b"\0<>\0", "{function}");
        }
        drop(buf);
        drop(m);
        py.run("_big_mmap.close()\n_big_file.close()\ndel _big_mmap, _big_file")
            .unwrap();
    });
    drop(file);
}

#[test]
fn bytearray_over_2_gib() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    const LEN: usize = (1 << 31) + 3;
    with_gil(|py| {
        py.run("_big_ba = bytearray(2**31 + 3)").unwrap();
        let ba = py.eval("_big_ba").unwrap();
        assert_eq!(python_int(py, "len(_big_ba)"), LEN as u64);
        assert!(ba.check_read_buffer());

        for (function, buf) in &borrow_all(&ba) {
            assert_clear(py, function);
            assert_eq!(buf.len(), LEN, "{function}: the length, exactly");
            assert_eq!(buf.kind(), BufferKind::Pinned, "{function}");
            let cells = buf.as_cells().expect("Pinned gives cells");
            assert_eq!(cells.len(), LEN, "{function}");
            assert_eq!(cells[0].get(), 0, "{function}");
            assert_eq!(cells[LEN - 1].get(), 0, "{function}");
            assert_eq!(read_byte(buf, LEN - 1), 0, "{function}");
        }

        // Writes through cells and write_at, at the ends and around
        // i32::MAX, seen by Python.
        let buf = ba.write_buffer().unwrap();
        let cells = buf.as_write_cells().expect("a writable Pinned buffer");
        cells[0].set(b'F');
        cells[LEN - 1].set(b'L');
        cells[(1 << 31) - 1].set(b'<');
        // 2**31 is also LEN - 3.
        buf.write_at(1 << 31, b">").unwrap();
        assert_clear(py, "writes");
        assert_eq!(
            python_bytes(
                py,
                "str(_big_ba[:1] + _big_ba[-3:] + _big_ba[2**31 - 1:2**31 + 1] + _big_ba[1:2])"
            ),
            b"F>\0L<>\0"
        );
        // While pinned, Python cannot resize it...
        let e = py.run("_big_ba.append(1)").unwrap_err();
        assert_eq!(e.type_name(), "BufferError");
        // ...but may write to it; the cells see that.
        py.run("_big_ba[-2] = ord('p')\n_big_ba[2**30] = ord('q')")
            .unwrap();
        assert_eq!(cells[LEN - 2].get(), b'p');
        assert_eq!(cells[1 << 30].get(), b'q');
        let mut tail = [0u8; 3];
        buf.read_at(LEN - 3, &mut tail).unwrap();
        assert_eq!(&tail, b">pL");
        drop(buf);
        drop(ba);
        py.run("del _big_ba").unwrap();
    })
}
