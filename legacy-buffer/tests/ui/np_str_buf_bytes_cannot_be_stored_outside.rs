// What a StrBuf lends (its written bytes, its spare room) lives no longer
// than the fill closure's call: it cannot be kept for after the str exists.
use legacy_buffer::{with_gil, Object};

fn main() {
    with_gil(|py| {
        let mut kept: &[u8] = &[];
        let _ = Object::new_str(py, 8).fill_buf(|(), out| {
            out.push(b"abc")?;
            kept = out.filled();
            Ok(())
        });
        println!("{kept:?}");
    });
}
