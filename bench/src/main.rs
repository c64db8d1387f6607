//! socket_bench: a load generator for procpool's SOCKET mode.
//!
//! Drives a 2-worker SOCKET pool with C concurrent client threads (each one: connect, send one
//! frame, read the reply frame, close — one request per connection) over TCP and over a unix
//! socket, for three servers measured in the same run, interleaved round by round:
//!
//! * `baseline`: the same accept → read frame → write frame → close loop written directly against
//!   libc, in this binary (`socket_bench --baseline-server SPEC N`): one listening socket, N forked
//!   processes blocking in accept(2) on it.
//! * `c`: bench/socket_echo.c against the C ABI (include/procpool.h, target/release/libprocpool.so),
//!   compiled by this binary with `cc`.
//! * `php`: `php -d extension=target/release/libprocpool_php.so bench/socket_echo.php SPEC`.
//!
//! Prints requests/s and p50/p99 latency (medians over the rounds), each as a ratio to the baseline.
//! Run `socket_bench --help` for the options.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: socket_bench [options]

  -n, --requests N      measured requests per target per round   (env BENCH_REQUESTS, default 20000)
  -c, --concurrency C   concurrent client connections (threads)   (env BENCH_CONCURRENCY, default 16)
  -s, --payload BYTES   request payload size                      (env BENCH_PAYLOAD, default 64)
  -t, --targets LIST    comma list of baseline,c,php              (env BENCH_TARGETS, default baseline,c,php)
  -T, --transports LIST comma list of tcp,unix                    (env BENCH_TRANSPORTS, default tcp,unix)
  -r, --rounds R        rounds; each figure is the median of R    (env BENCH_ROUNDS, default 3)
  -w, --warmup N        unmeasured requests before each target    (env BENCH_WARMUP, default 2000)
      --workers N       worker processes per server               (env BENCH_WORKERS, default 2)
      --root DIR        the procpool checkout                     (env BENCH_ROOT, default: this crate's parent)
      --lib-dir DIR     where libprocpool.so / libprocpool_php.so are (default ROOT/target/release)
      --php PATH        the php binary                            (env PHP, default php)
      --connect SPEC    only load an already running server (tcp://HOST:PORT or unix:/path): one
                        warm-up + one measured run, no ratios (used by bench/profile.sh)

The baseline is always measured (ratios need it). Rounds run the targets in a rotated order.
";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Baseline,
    C,
    Php,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Baseline => "baseline",
            Target::C => "c-abi",
            Target::Php => "php-ext",
        }
    }
    /// The goal on the slowdown (baseline req/s ÷ target req/s).
    fn goal(self) -> Option<f64> {
        match self {
            Target::Baseline => None,
            Target::C => Some(1.25),
            Target::Php => Some(2.0),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transport {
    Tcp,
    Unix,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Unix => "unix",
        }
    }
}

#[derive(Clone, Debug)]
enum Addr {
    Tcp(u16),
    Unix(PathBuf),
}

impl Addr {
    fn spec(&self) -> String {
        match self {
            Addr::Tcp(port) => format!("tcp://127.0.0.1:{port}"),
            Addr::Unix(path) => format!("unix:{}", path.display()),
        }
    }
}

struct Options {
    requests: usize,
    concurrency: usize,
    payload: usize,
    targets: Vec<Target>,
    transports: Vec<Transport>,
    rounds: usize,
    warmup: usize,
    workers: usize,
    root: PathBuf,
    lib_dir: PathBuf,
    php: String,
    connect: Option<String>,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn die(msg: &str) -> ! {
    eprintln!("socket_bench: {msg}");
    std::process::exit(2);
}

fn parse_num(what: &str, v: &str) -> usize {
    v.parse()
        .unwrap_or_else(|_| die(&format!("{what}: '{v}' is not a number")))
}

fn parse_options(args: &[String]) -> Options {
    let default_root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let mut requests = env_or("BENCH_REQUESTS", "20000");
    let mut concurrency = env_or("BENCH_CONCURRENCY", "16");
    let mut payload = env_or("BENCH_PAYLOAD", "64");
    let mut targets = env_or("BENCH_TARGETS", "baseline,c,php");
    let mut transports = env_or("BENCH_TRANSPORTS", "tcp,unix");
    let mut rounds = env_or("BENCH_ROUNDS", "3");
    let mut warmup = env_or("BENCH_WARMUP", "2000");
    let mut workers = env_or("BENCH_WORKERS", "2");
    let mut root = env_or("BENCH_ROOT", &default_root.to_string_lossy());
    let mut lib_dir: Option<String> = None;
    let mut connect: Option<String> = None;
    let mut php = env_or("PHP", "php");
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            print!("{USAGE}");
            std::process::exit(0);
        }
        let slot = match flag.as_str() {
            "-n" | "--requests" => &mut requests,
            "-c" | "--concurrency" => &mut concurrency,
            "-s" | "--payload" => &mut payload,
            "-t" | "--targets" => &mut targets,
            "-T" | "--transports" => &mut transports,
            "-r" | "--rounds" => &mut rounds,
            "-w" | "--warmup" => &mut warmup,
            "--workers" => &mut workers,
            "--root" => &mut root,
            "--php" => &mut php,
            "--lib-dir" => lib_dir.get_or_insert_with(String::new),
            "--connect" => connect.get_or_insert_with(String::new),
            _ => die(&format!("unknown option '{arg}'\n{USAGE}")),
        };
        *slot = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .unwrap_or_else(|| die(&format!("{flag} needs a value"))),
        };
    }
    let mut targets: Vec<Target> = targets
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| match t.trim() {
            "baseline" => Target::Baseline,
            "c" | "c-abi" => Target::C,
            "php" | "php-ext" => Target::Php,
            other => die(&format!("unknown target '{other}' (baseline, c, php)")),
        })
        .collect();
    if !targets.contains(&Target::Baseline) {
        targets.insert(0, Target::Baseline);
    }
    targets.dedup();
    let transports = transports
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| match t.trim() {
            "tcp" => Transport::Tcp,
            "unix" => Transport::Unix,
            other => die(&format!("unknown transport '{other}' (tcp, unix)")),
        })
        .collect();
    let root = PathBuf::from(root);
    let lib_dir = lib_dir
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release"));
    let o = Options {
        requests: parse_num("requests", &requests),
        concurrency: parse_num("concurrency", &concurrency),
        payload: parse_num("payload", &payload),
        targets,
        transports,
        rounds: parse_num("rounds", &rounds),
        warmup: parse_num("warmup", &warmup),
        workers: parse_num("workers", &workers),
        root,
        lib_dir,
        php,
        connect,
    };
    if o.requests == 0 || o.concurrency == 0 || o.payload == 0 || o.rounds == 0 || o.workers == 0 {
        die("requests, concurrency, payload, rounds and workers must be > 0");
    }
    o
}

// ---------------------------------------------------------------------------------------------
// The baseline server: plain libc, N forked processes accepting on one blocking listening socket.
// ---------------------------------------------------------------------------------------------

fn read_exact_fd(fd: i32, buf: &mut [u8]) -> bool {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: reading into a live buffer.
        let n = unsafe { libc::read(fd, buf[got..].as_mut_ptr().cast(), buf.len() - got) };
        if n > 0 {
            got += n as usize;
        } else if n == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return false;
        }
    }
    true
}

fn baseline_worker(listen_fd: i32) -> ! {
    const MAX: usize = 2 * 1024 * 1024;
    let mut body = vec![0u8; MAX];
    loop {
        // SAFETY: accept4 on our listening socket; the fd is closed below.
        let conn = unsafe {
            libc::accept4(
                listen_fd,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            )
        };
        if conn < 0 {
            continue;
        }
        let mut header = [0u8; 4];
        if read_exact_fd(conn, &mut header) {
            let len = u32::from_be_bytes(header) as usize;
            if len > 0 && len <= MAX && read_exact_fd(conn, &mut body[..len]) {
                let iov = [
                    libc::iovec {
                        iov_base: header.as_mut_ptr().cast(),
                        iov_len: 4,
                    },
                    libc::iovec {
                        iov_base: body.as_mut_ptr().cast(),
                        iov_len: len,
                    },
                ];
                let total = 4 + len;
                // SAFETY: sendmsg over live buffers. One call sends the whole (small) reply in
                // practice; a short send just ends the connection (the client reports an error).
                let n = unsafe {
                    let mut msg: libc::msghdr = std::mem::zeroed();
                    msg.msg_iov = iov.as_ptr() as *mut _;
                    msg.msg_iovlen = 2;
                    libc::sendmsg(conn, &msg, libc::MSG_NOSIGNAL)
                };
                if n >= 0 && (n as usize) < total {
                    // Rare (big payloads only): finish the send from a flat copy.
                    let mut rest = header.to_vec();
                    rest.extend_from_slice(&body[..len]);
                    send_all_fd(conn, &rest[n as usize..]);
                }
            }
        }
        // SAFETY: closing the connection we accepted.
        unsafe { libc::close(conn) };
    }
}

fn send_all_fd(fd: i32, mut buf: &[u8]) {
    while !buf.is_empty() {
        // SAFETY: sending from a live buffer.
        let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
        if n <= 0 {
            return;
        }
        buf = &buf[n as usize..];
    }
}

fn baseline_server(spec: &str, workers: usize) -> ! {
    let listen_fd = match spec.strip_prefix("unix:") {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            let l = std::os::unix::net::UnixListener::bind(path).unwrap_or_else(|e| die(&format!("bind {spec}: {e}")));
            std::os::fd::IntoRawFd::into_raw_fd(l)
        }
        None => {
            let addr = spec.strip_prefix("tcp://").unwrap_or(spec);
            let l = TcpListener::bind(addr).unwrap_or_else(|e| die(&format!("bind {spec}: {e}")));
            std::os::fd::IntoRawFd::into_raw_fd(l)
        }
    };
    // SAFETY: plain libc calls in a single-threaded process (std spawned no threads here).
    unsafe {
        libc::listen(listen_fd, libc::SOMAXCONN);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        let mut pids = Vec::new();
        for _ in 0..workers {
            let pid = libc::fork();
            if pid == 0 {
                libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                baseline_worker(listen_fd);
            }
            if pid < 0 {
                die("fork failed");
            }
            pids.push(pid);
        }
        let mut sig = 0;
        libc::sigwait(&set, &mut sig);
        for &pid in &pids {
            libc::kill(pid, libc::SIGTERM);
        }
        for &pid in &pids {
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
    }
    if let Some(path) = spec.strip_prefix("unix:") {
        let _ = std::fs::remove_file(path);
    }
    std::process::exit(0);
}

// ---------------------------------------------------------------------------------------------
// The client side.
// ---------------------------------------------------------------------------------------------

enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    fn connect(addr: &Addr) -> std::io::Result<Conn> {
        Ok(match addr {
            Addr::Tcp(port) => Conn::Tcp(TcpStream::connect(("127.0.0.1", *port))?),
            Addr::Unix(path) => Conn::Unix(UnixStream::connect(path)?),
        })
    }
    fn stream(&mut self) -> (&mut dyn Read, &mut dyn Write) {
        match self {
            Conn::Tcp(s) => {
                let r: *mut TcpStream = s;
                // SAFETY: Read and Write on the same stream are used one after the other, never
                // concurrently; this only avoids duplicating the fd.
                (unsafe { &mut *r }, s)
            }
            Conn::Unix(s) => {
                let r: *mut UnixStream = s;
                // SAFETY: as above.
                (unsafe { &mut *r }, s)
            }
        }
    }
}

/// One request: connect, send the frame, read the reply frame, check it, close.
fn one_request(addr: &Addr, frame: &[u8], reply: &mut [u8]) -> Result<(), String> {
    let mut conn = Conn::connect(addr).map_err(|e| format!("connect: {e}"))?;
    let (r, w) = conn.stream();
    w.write_all(frame).map_err(|e| format!("send: {e}"))?;
    r.read_exact(reply).map_err(|e| format!("recv: {e}"))?;
    if reply != frame {
        return Err("the reply is not the echo of the request".into());
    }
    Ok(())
}

struct RunResult {
    rps: f64,
    /// Server-side CPU time (manager + workers, from /proc/PID/schedstat) per request, in µs.
    cpu_us: f64,
    p50_us: f64,
    p99_us: f64,
    errors: usize,
    first_error: Option<String>,
}

/// CPU time in ns used so far by `pid` and its direct children (a pool's manager and workers).
fn tree_cpu_ns(pid: u32) -> u64 {
    let cpu = |p: &str| -> u64 {
        std::fs::read_to_string(format!("/proc/{p}/schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
            .unwrap_or(0)
    };
    let mut total = cpu(&pid.to_string());
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{name}/stat")) else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may hold spaces, so parse after the last ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u32>().ok());
            if ppid == Some(pid) {
                total += cpu(&name);
            }
        }
    }
    total
}

fn run_load(addr: &Addr, requests: usize, concurrency: usize, payload: usize, record: bool) -> RunResult {
    let mut frame = (payload as u32).to_be_bytes().to_vec();
    frame.extend((0..payload).map(|i| b'a' + (i % 26) as u8));
    let frame = Arc::new(frame);
    let remaining = Arc::new(AtomicUsize::new(requests));
    let started = Instant::now();
    let threads: Vec<_> = (0..concurrency.min(requests))
        .map(|_| {
            let (addr, frame, remaining) = (addr.clone(), frame.clone(), remaining.clone());
            std::thread::spawn(move || {
                let mut samples = Vec::with_capacity(if record { requests / concurrency + 1 } else { 0 });
                let mut reply = vec![0u8; frame.len()];
                let (mut errors, mut first_error) = (0usize, None);
                while remaining
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
                {
                    let t0 = Instant::now();
                    match one_request(&addr, &frame, &mut reply) {
                        Ok(()) => {
                            if record {
                                samples.push(t0.elapsed().as_nanos() as u64);
                            }
                        }
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
                (samples, errors, first_error)
            })
        })
        .collect();
    let mut samples = Vec::with_capacity(requests);
    let (mut errors, mut first_error) = (0, None);
    for t in threads {
        let (s, e, f) = t.join().expect("client thread panicked");
        samples.extend(s);
        errors += e;
        if first_error.is_none() {
            first_error = f;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    samples.sort_unstable();
    let pct = |p: f64| -> f64 {
        if samples.is_empty() {
            return f64::NAN;
        }
        let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i] as f64 / 1000.0
    };
    RunResult {
        rps: (requests - errors) as f64 / elapsed,
        cpu_us: f64::NAN,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        errors,
        first_error,
    }
}

// ---------------------------------------------------------------------------------------------
// Servers: start, wait until they answer, stop.
// ---------------------------------------------------------------------------------------------

struct Server {
    target: Target,
    addr: Addr,
    child: Child,
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| die(&format!("no free port: {e}")))
}

/// Compiles bench/socket_echo.c against the C ABI; Err explains why the target is skipped.
fn build_c_server(o: &Options) -> Result<PathBuf, String> {
    let header = o.root.join("include/procpool.h");
    let so = o.lib_dir.join("libprocpool.so");
    for f in [&header, &so] {
        if !f.exists() {
            return Err(format!("{} is missing", f.display()));
        }
    }
    let out_dir = o.lib_dir.join("bench");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("mkdir {}: {e}", out_dir.display()))?;
    let exe = out_dir.join("socket_echo_c");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let output = Command::new(&cc)
        .args(["-O2", "-Wall", "-Wextra", "-o"])
        .arg(&exe)
        .arg(o.root.join("bench/socket_echo.c"))
        .arg("-I")
        .arg(o.root.join("include"))
        .arg("-L")
        .arg(&o.lib_dir)
        .arg(format!("-Wl,-rpath,{}", o.lib_dir.display()))
        .arg("-lprocpool")
        .output()
        .map_err(|e| format!("cannot run {cc}: {e}"))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let first: Vec<&str> = err.lines().filter(|l| l.contains("error")).take(3).collect();
        return Err(format!(
            "bench/socket_echo.c does not compile against include/procpool.h: {}",
            first.join(" | ")
        ));
    }
    Ok(exe)
}

fn server_command(o: &Options, target: Target, spec: &str, c_exe: Option<&Path>) -> Command {
    let workers = o.workers.to_string();
    match target {
        Target::Baseline => {
            let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
            cmd.args(["--baseline-server", spec, &workers]);
            cmd
        }
        Target::C => {
            let mut cmd = Command::new(c_exe.expect("C server built"));
            cmd.args([spec, &workers]);
            cmd
        }
        Target::Php => {
            let mut cmd = Command::new(&o.php);
            cmd.arg("-d")
                .arg(format!("extension={}", o.lib_dir.join("libprocpool_php.so").display()))
                .arg(o.root.join("bench/socket_echo.php"))
                .args([spec, &workers]);
            cmd
        }
    }
}

fn start_server(
    o: &Options,
    target: Target,
    transport: Transport,
    dir: &Path,
    c_exe: Option<&Path>,
) -> Result<Server, String> {
    let addr = match transport {
        Transport::Tcp => Addr::Tcp(free_tcp_port()),
        Transport::Unix => Addr::Unix(dir.join(format!("{}.sock", target.name()))),
    };
    let mut child = server_command(o, target, &addr.spec(), c_exe)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the {} server: {e}", target.name()))?;
    // Ready = a real request gets its echo back.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut frame = 4u32.to_be_bytes().to_vec();
    frame.extend(b"ping");
    let mut reply = [0u8; 8];
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the {} server exited at startup ({status})", target.name()));
        }
        match one_request(&addr, &frame, &mut reply) {
            Ok(()) => return Ok(Server { target, addr, child }),
            Err(e) if Instant::now() > deadline => {
                stop_server(Server { target, addr, child });
                return Err(format!("the {} server did not answer within 15 s: {e}", target.name()));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn stop_server(mut s: Server) {
    // SAFETY: signalling the child we spawned (still unreaped, so the pid is ours).
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match s.child.try_wait() {
            Ok(Some(_)) | Err(_) => break,
            Ok(None) if Instant::now() > deadline => {
                eprintln!(
                    "socket_bench: the {} server ignored SIGTERM for 10 s; SIGKILL",
                    s.target.name()
                );
                let _ = s.child.kill();
                let _ = s.child.wait();
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    if let Addr::Unix(path) = &s.addr {
        let _ = std::fs::remove_file(path);
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--baseline-server") {
        let spec = args.get(1).unwrap_or_else(|| die("--baseline-server SPEC [WORKERS]"));
        let workers = args.get(2).map_or(2, |w| parse_num("workers", w));
        baseline_server(spec, workers);
    }
    let o = parse_options(&args);
    if let Some(spec) = &o.connect {
        let addr = match spec.strip_prefix("unix:") {
            Some(path) => Addr::Unix(PathBuf::from(path)),
            None => Addr::Tcp(
                spec.rsplit_once(':')
                    .and_then(|(_, p)| p.parse().ok())
                    .unwrap_or_else(|| die("--connect: tcp://127.0.0.1:PORT or unix:/path")),
            ),
        };
        if o.warmup > 0 {
            run_load(&addr, o.warmup, o.concurrency, o.payload, false);
        }
        let r = run_load(&addr, o.requests, o.concurrency, o.payload, true);
        println!(
            "{spec}: {:.0} req/s  p50 {:.1} us  p99 {:.1} us  errors {}",
            r.rps, r.p50_us, r.p99_us, r.errors
        );
        return;
    }

    let mut targets = o.targets.clone();
    let mut c_exe = None;
    if targets.contains(&Target::C) {
        match build_c_server(&o) {
            Ok(exe) => c_exe = Some(exe),
            Err(why) => {
                println!("C ABI target skipped: {why}");
                targets.retain(|&t| t != Target::C);
            }
        }
    }
    if targets.contains(&Target::Php) {
        let so = o.lib_dir.join("libprocpool_php.so");
        let php_ok = Command::new(&o.php)
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let why = if !so.exists() {
            Some(format!("{} is missing", so.display()))
        } else if !php_ok {
            Some(format!("'{}' does not run", o.php))
        } else {
            None
        };
        if let Some(why) = why {
            println!("PHP extension target skipped: {why}");
            targets.retain(|&t| t != Target::Php);
        }
    }

    let dir = std::env::temp_dir().join(format!("procpool-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| die(&format!("mkdir {}: {e}", dir.display())));
    println!(
        "socket_bench: {} requests x {} rounds per target (+{} warm-up), {} concurrent connections, {}-byte payload, {} workers per server",
        o.requests, o.rounds, o.warmup, o.concurrency, o.payload, o.workers
    );

    // (transport, target) -> per-round results
    let mut table: Vec<(Transport, Target, Vec<RunResult>)> = Vec::new();
    for &transport in &o.transports {
        let mut servers = Vec::new();
        for &target in &targets {
            match start_server(&o, target, transport, &dir, c_exe.as_deref()) {
                Ok(s) => {
                    // Warm up: PHP's first calls, page faults, TCP/accept queues.
                    let w = run_load(&s.addr, o.warmup.max(1), o.concurrency, o.payload, false);
                    if w.errors > 0 {
                        eprintln!(
                            "socket_bench: {} {} warm-up: {} errors (first: {})",
                            transport.name(),
                            target.name(),
                            w.errors,
                            w.first_error.unwrap_or_default()
                        );
                    }
                    servers.push(s);
                }
                Err(why) => {
                    let label = if target == Target::C {
                        "C ABI target"
                    } else {
                        target.name()
                    };
                    println!("{label} skipped over {}: {why}", transport.name());
                }
            }
        }
        if !servers.iter().any(|s| s.target == Target::Baseline) {
            println!(
                "baseline server did not start over {}; no ratios for this transport",
                transport.name()
            );
        }
        let mut results: Vec<Vec<RunResult>> = servers.iter().map(|_| Vec::new()).collect();
        for round in 0..o.rounds {
            for k in 0..servers.len() {
                let i = (k + round) % servers.len();
                let s = &servers[i];
                let cpu0 = tree_cpu_ns(s.child.id());
                let mut r = run_load(&s.addr, o.requests, o.concurrency, o.payload, true);
                r.cpu_us = (tree_cpu_ns(s.child.id()) - cpu0) as f64 / 1000.0 / o.requests as f64;
                println!(
                    "  round {} {:<4} {:<8}  {:>9.0} req/s  p50 {:>7.1} us  p99 {:>7.1} us  server cpu {:>5.1} us/req{}",
                    round + 1,
                    transport.name(),
                    s.target.name(),
                    r.rps,
                    r.p50_us,
                    r.p99_us,
                    r.cpu_us,
                    if r.errors > 0 { format!("  ERRORS {} (first: {})", r.errors, r.first_error.as_deref().unwrap_or("")) } else { String::new() }
                );
                results[i].push(r);
            }
        }
        for (s, r) in servers.into_iter().zip(results) {
            table.push((transport, s.target, r));
            stop_server(s);
        }
    }
    let _ = std::fs::remove_dir(&dir);

    println!();
    println!(
        "medians of {} rounds; x req/s = baseline req/s / target req/s (slowdown, >1 is slower);",
        o.rounds
    );
    println!("x p50, x p99, x cpu = target / baseline; cpu us/r = server CPU (manager + workers) per request");
    println!(
        "{:<5} {:<9} {:>10} {:>10} {:>10} {:>9}   {:>8} {:>8} {:>8} {:>8}   goal (on x req/s)",
        "", "target", "req/s", "p50 us", "p99 us", "cpu us/r", "x req/s", "x p50", "x p99", "x cpu"
    );
    let mut misses = Vec::new();
    for &transport in &o.transports {
        let med = |t: Target| {
            table
                .iter()
                .find(|(tr, tg, _)| *tr == transport && *tg == t)
                .map(|(_, _, r)| {
                    (
                        median(r.iter().map(|x| x.rps).collect()),
                        median(r.iter().map(|x| x.p50_us).collect()),
                        median(r.iter().map(|x| x.p99_us).collect()),
                        median(r.iter().map(|x| x.cpu_us).collect()),
                        r.iter().map(|x| x.errors).sum::<usize>(),
                    )
                })
        };
        let base = med(Target::Baseline);
        for &target in &targets {
            let Some((rps, p50, p99, cpu, errors)) = med(target) else {
                continue;
            };
            let (xr, x50, x99, xcpu) = match base {
                Some((brps, b50, b99, bcpu, _)) => (brps / rps, p50 / b50, p99 / b99, cpu / bcpu),
                None => (f64::NAN, f64::NAN, f64::NAN, f64::NAN),
            };
            let goal = match target.goal() {
                None => String::new(),
                Some(g) if xr <= g => format!("<= {g:.2}x: met"),
                Some(g) => {
                    misses.push(format!(
                        "{} over {}: {xr:.2}x > {g:.2}x",
                        target.name(),
                        transport.name()
                    ));
                    format!("<= {g:.2}x: MISSED")
                }
            };
            println!(
                "{:<5} {:<9} {:>10.0} {:>10.1} {:>10.1} {:>9.1}   {:>7.2}x {:>7.2}x {:>7.2}x {:>7.2}x   {}{}",
                transport.name(),
                target.name(),
                rps,
                p50,
                p99,
                cpu,
                xr,
                x50,
                x99,
                xcpu,
                goal,
                if errors > 0 {
                    format!("  ({errors} failed requests)")
                } else {
                    String::new()
                }
            );
        }
    }
    if !misses.is_empty() {
        println!("\ngoals missed: {}", misses.join("; "));
    }
}
