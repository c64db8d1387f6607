<?php
// procpool demo: a Swoole-style IPC_NONE pool of 4 workers doing real work (hashing blocks of data),
// while a "director" process plays the operator: it kills a worker, asks for a rolling reload,
// and finally stops the pool with SIGTERM. Run it with `make demo`.
//
// Everything below is plain Swoole\Process\Pool code; only 'log_level' => 'info' is procpool's own
// (it makes the manager narrate what it does on stderr).

use Swoole\Process\Pool;

const WORKERS = 4;
$stateDir = sys_get_temp_dir() . '/procpool-demo-' . getmypid();
@mkdir($stateDir);

function say(string $who, string $what): void
{
    printf("%s %-22s %s\n", date('H:i:s'), $who, $what);
}

// The director is double-forked, so it is not a child of the pool's manager (the manager reaps and
// replaces only the workers it forked).
function start_director(string $stateDir, int $managerPid): void
{
    if (pcntl_fork() !== 0) {
        pcntl_waitpid(-1, $status);
        return;
    }
    if (pcntl_fork() !== 0) {
        exit(0);
    }
    $pidOf = fn (int $id) => (int) @file_get_contents("$stateDir/worker-$id.pid");
    usleep(1_200_000);
    $victim = $pidOf(2);
    say('[director]', "1) crash test: SIGKILL to worker #2 (pid $victim). The manager must fork a new worker #2.");
    posix_kill($victim, SIGKILL);
    usleep(1_200_000);
    say('[director]', "2) rolling reload: SIGUSR1 to the manager. Workers are replaced one at a time.");
    posix_kill($managerPid, SIGUSR1);
    usleep(2_500_000);
    say('[director]', "3) shutdown: SIGTERM to the manager. Workers finish their job and stop.");
    posix_kill($managerPid, SIGTERM);
    exit(0);
}

$pool = new Pool(WORKERS);
$pool->set(['max_wait_time' => 3, 'log_level' => 'info']);

$pool->on('Start', function (Pool $pool) use ($stateDir) {
    say('[manager]', "pool started, manager pid {$pool->master_pid}, forking " . WORKERS . " workers");
    start_director($stateDir, $pool->master_pid);
});

$pool->on('WorkerStart', function (Pool $pool, int $workerId) use ($stateDir) {
    $pid = posix_getpid();
    file_put_contents("$stateDir/worker-$workerId.pid", $pid);
    say("[worker #$workerId pid $pid]", 'started');
    // A worker with its own SIGTERM handler finishes the job in hand, then returns from WorkerStart.
    $running = true;
    pcntl_signal(SIGTERM, function () use (&$running) { $running = false; });
    $jobs = 0;
    $block = random_bytes(1 << 20);
    while ($running) {
        $digest = hash('sha256', $block . $jobs);
        $jobs++;
        file_put_contents("$stateDir/jobs-$pid", $jobs);
        if ($jobs % 4 === 0) {
            say("[worker #$workerId pid $pid]", "job $jobs done, sha256 " . substr($digest, 0, 16) . '...');
        }
        usleep(250_000);
        pcntl_signal_dispatch();
    }
    say("[worker #$workerId pid $pid]", "SIGTERM received: finished job $jobs, leaving");
});

$pool->on('WorkerStop', function (Pool $pool, int $workerId) {
    say("[worker #$workerId pid " . posix_getpid() . ']', 'WorkerStop: clean exit');
});

$pool->on('Shutdown', function (Pool $pool) {
    say('[manager]', 'Shutdown event: telling every worker to stop');
});

$pool->start();

$jobs = 0;
$processes = 0;
foreach (glob("$stateDir/jobs-*") as $file) {
    $jobs += (int) file_get_contents($file);
    $processes++;
    unlink($file);
}
array_map('unlink', glob("$stateDir/*"));
rmdir($stateDir);
$leftover = pcntl_waitpid(-1, $status, WNOHANG);
say('[demo]', "start() returned. $processes worker processes (4 first ones + replacements) did $jobs jobs in all.");
say('[demo]', $leftover === -1 ? 'no child process left behind: nothing leaked.' : "unexpected child $leftover still there!");
