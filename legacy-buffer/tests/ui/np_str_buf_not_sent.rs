// A StrBuf stays on the thread it was lent to, inside the scope that keeps
// Python code from finding the new str: it cannot go to another thread.
use legacy_buffer::{with_gil, Object};

fn main() {
    with_gil(|py| {
        let _ = Object::new_str(py, 8).fill_buf(|(), out| {
            std::thread::scope(|s| {
                s.spawn(|| out.push(b"abc"));
            });
            Ok(())
        });
    });
}
