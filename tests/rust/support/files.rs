//! Guards for files a test creates.

/// Removes a file when dropped (a socket or flag file of a test that may panic).
pub struct RemoveFile(pub String);

impl Drop for RemoveFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
