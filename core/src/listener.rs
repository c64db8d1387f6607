//! The SOCKET mode's listening socket, made by `Pool::listen` before start() and shared by every
//! worker (each accepts on it). TCP over IPv4/IPv6, or `unix:/path`. A unix socket file left by a
//! dead pool is replaced; the file is removed when the pool's listener is dropped.

use std::net::{TcpListener, ToSocketAddrs};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fd::set_nonblocking;

/// The address a `Listener` is bound to; displayed as `tcp://ip:port` or `unix:/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// A TCP socket on the address the host resolved to (port as asked, possibly 0; see `local_port`).
    Tcp(std::net::SocketAddr),
    /// A unix stream socket at this filesystem path.
    Unix(PathBuf),
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListenAddr::Tcp(addr) => write!(f, "tcp://{addr}"),
            ListenAddr::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// A bound, listening, non-blocking socket that workers accept connections on. Dropping it closes
/// the socket and, in the process that bound it, removes its unix socket file if still ours.
#[derive(Debug)]
pub struct Listener {
    fd: OwnedFd,
    addr: ListenAddr,
    /// (device, inode) of the unix socket file we made, so that drop removes only our own file.
    unix_file: Option<(u64, u64)>,
    /// Only the process that bound the socket removes its file (never a forked worker).
    owner_pid: u32,
}

impl Listener {
    /// `host` is `unix:/path` or a TCP host (name, IPv4 or IPv6 address, `[::1]` accepted).
    pub fn bind(host: &str, port: i64, backlog: i32) -> Result<Listener> {
        let backlog = if backlog <= 0 { libc::SOMAXCONN } else { backlog };
        let listener = match host.strip_prefix("unix:") {
            Some(path) => bind_unix(Path::new(path))?,
            None => bind_tcp(host, port)?,
        };
        // std chose its own backlog; listen() again sets the one asked for.
        // SAFETY: listen(2) on a socket we own.
        if unsafe { libc::listen(listener.fd.as_raw_fd(), backlog) } != 0 {
            return Err(Error::last_os(format!("listen({})", listener.addr)));
        }
        // Workers wait in poll() and may lose the race for a connection to another worker, so
        // accept() must not block. O_NONBLOCK is on the shared open file, set once here.
        set_nonblocking(listener.fd.as_raw_fd())?;
        Ok(listener)
    }

    /// The listening socket's descriptor, still owned by the `Listener` (inherited by forked workers).
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// The address bound, as resolved (for TCP, the port as asked; see `local_port` for port 0).
    pub fn addr(&self) -> &ListenAddr {
        &self.addr
    }

    /// The TCP port actually bound (useful with port 0).
    pub fn local_port(&self) -> Option<u16> {
        let ListenAddr::Tcp(_) = self.addr else { return None };
        // SAFETY: getsockname into a zeroed sockaddr_storage of the right size.
        unsafe {
            let mut storage: libc::sockaddr_storage = std::mem::zeroed();
            let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            if libc::getsockname(
                self.raw_fd(),
                (&mut storage as *mut libc::sockaddr_storage).cast(),
                &mut len,
            ) != 0
            {
                return None;
            }
            match storage.ss_family as i32 {
                libc::AF_INET => Some(u16::from_be(
                    (*(&storage as *const _ as *const libc::sockaddr_in)).sin_port,
                )),
                libc::AF_INET6 => Some(u16::from_be(
                    (*(&storage as *const _ as *const libc::sockaddr_in6)).sin6_port,
                )),
                _ => None,
            }
        }
    }
}

impl Listener {
    /// Removes the unix socket's file if the path still names the socket this listener made (a new
    /// pool may have bound the path since). Used by the owner on drop, and by the workers of a pool
    /// whose manager died.
    pub(crate) fn remove_unix_file(&self) {
        if let (ListenAddr::Unix(path), Some((dev, ino))) = (&self.addr, self.unix_file) {
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.dev() == dev && m.ino() == ino) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if std::process::id() == self.owner_pid {
            self.remove_unix_file();
        }
    }
}

fn bind_tcp(host: &str, port: i64) -> Result<Listener> {
    let port =
        u16::try_from(port).map_err(|_| Error::InvalidArgument(format!("port {port} is out of range (0..65535)")))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::InvalidArgument(format!("cannot resolve listen address '{host}': {e}")))?
        .next()
        .ok_or_else(|| Error::InvalidArgument(format!("listen address '{host}' resolves to nothing")))?;
    let listener = TcpListener::bind(addr).map_err(|e| Error::System {
        what: format!("bind(tcp://{addr})"),
        source: e,
    })?;
    Ok(Listener {
        fd: listener.into(),
        addr: ListenAddr::Tcp(addr),
        unix_file: None,
        owner_pid: std::process::id(),
    })
}

fn bind_unix(path: &Path) -> Result<Listener> {
    if path.as_os_str().is_empty() {
        return Err(Error::InvalidArgument(
            "unix socket path is empty ('unix:/path' expected)".into(),
        ));
    }
    remove_stale_socket(path)?;
    let listener = UnixListener::bind(path).map_err(|e| Error::System {
        what: format!("bind(unix:{})", path.display()),
        source: e,
    })?;
    let meta = std::fs::symlink_metadata(path).map_err(|e| Error::System {
        what: format!("stat({})", path.display()),
        source: e,
    })?;
    Ok(Listener {
        fd: listener.into(),
        addr: ListenAddr::Unix(path.to_path_buf()),
        unix_file: Some((meta.dev(), meta.ino())),
        owner_pid: std::process::id(),
    })
}

/// A socket file nobody accepts on (its pool died) is removed; a live one or a non-socket file is an error.
fn remove_stale_socket(path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.file_type().is_socket() {
        return Err(Error::InvalidArgument(format!(
            "{} exists and is not a socket; not replacing it",
            path.display()
        )));
    }
    match UnixStream::connect(path) {
        Ok(_) => Err(Error::System {
            what: format!("bind(unix:{}): another process is listening there", path.display()),
            source: std::io::Error::from_raw_os_error(libc::EADDRINUSE),
        }),
        Err(_) => std::fs::remove_file(path).map_err(|e| Error::System {
            what: format!("removing stale socket {}", path.display()),
            source: e,
        }),
    }
}
