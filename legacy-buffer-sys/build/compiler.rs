//! The C compiler's messages, kept for a failure's detail. cc forwards them
//! as `cargo:warning` lines by default; a failure must be one warning line
//! with the detail below it, so they are captured instead.

use std::any::Any;
use std::sync::{Arc, Mutex};

/// What the compiler wrote to stderr, and cc's own warnings, line by line.
#[derive(Default)]
pub struct Messages(Mutex<Vec<String>>);

impl cc::BuildMessageLogger for Messages {
    fn log(&self, kind: cc::BuildMessageKind, msg: cc::BuildMessage<'_>, _extra: &dyn Any) {
        if matches!(
            kind,
            cc::BuildMessageKind::StderrForwarding | cc::BuildMessageKind::GeneralWarning
        ) {
            // A poisoned lock still holds the lines logged before the panic.
            let mut lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
            lines.push(msg.to_string());
        }
    }
}

impl Messages {
    /// The lines, indented, as part of a failure's detail.
    pub fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().map(|l| format!("    {l}\n")).collect()
    }
}

/// Routes `build`'s compiler messages to the returned [`Messages`].
pub fn capture(build: &mut cc::Build) -> Arc<Messages> {
    let messages = Arc::new(Messages::default());
    build
        .cargo_warnings(false)
        .message_logger(Some(messages.clone()));
    messages
}
