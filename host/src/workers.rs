//! The threads that run checks: parsing a model, running packs, freeing a
//! parsed model. Each job goes to the thread that went idle most recently
//! (last in, first out), and a thread idle for [`KEEP_ALIVE`] exits.
//!
//! Why not tokio's blocking pool (`spawn_blocking`): its idle threads wait
//! on one condition variable and are woken longest-idle first, so work
//! rotates over every thread a burst ever started, and none is idle long
//! enough to exit. After a burst at 4 connections the server kept 10
//! blocking threads busy in turn, each with cold caches and its own
//! allocator pages, and a cold check at 1 connection cost about 13 % more
//! CPU than on a server that had never seen the burst
//! (docs/performance.md, "Why a full run's cold c1 costs more"). Here the
//! most recently idle thread (warm caches, the allocator pages the last
//! model used) takes the next job, and threads a burst added age out.
//!
//! Hand-written, because no well-kept crate has the three things needed:
//! growth on demand, so a job never waits for a thread; last-idle-first
//! hand-off; and exit after a keep-alive. `rayon` is a fixed set of
//! threads for work-stealing compute, and blocking a thread on a channel
//! there stalls it. `threadpool` is fixed-size, with one shared queue.
//!
//! The pool has no upper bound: a job never waits for a thread, so a job
//! that waits for another job (a check waiting for its other packs) cannot
//! deadlock. The number of jobs is bounded by the callers
//! (`max_concurrent_checks`).

use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use crate::lock;

/// How long an idle thread waits for a job before it exits.
pub const KEEP_ALIVE: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send + 'static>;

/// One idle thread's mailbox.
struct Slot {
    job: Mutex<Option<Job>>,
    wake: Condvar,
}

/// A pool of check threads. The server and the CLI share one, [`global`];
/// tests make their own. Clones share the threads.
#[derive(Clone)]
pub struct Workers {
    inner: Arc<Inner>,
}

struct Inner {
    /// Idle threads, the most recently idle last.
    idle: Mutex<Vec<Arc<Slot>>>,
    keep_alive: Duration,
}

/// The process's check threads.
pub fn global() -> &'static Workers {
    static POOL: OnceLock<Workers> = OnceLock::new();
    POOL.get_or_init(|| Workers::new(KEEP_ALIVE))
}

/// [`Workers::spawn`] on the [`global`] pool.
pub fn spawn(job: impl FnOnce() + Send + 'static) {
    global().spawn(job)
}

impl Workers {
    /// An empty pool whose idle threads exit after `keep_alive`.
    pub fn new(keep_alive: Duration) -> Self {
        Workers {
            inner: Arc::new(Inner {
                idle: Mutex::new(Vec::new()),
                keep_alive,
            }),
        }
    }

    /// Runs `job` on a check thread: the most recently idle one, or a new
    /// one if none is idle. A job that panics is dropped (its thread lives
    /// on); jobs report through their own channels, whose senders a panic
    /// drops. If no thread can be started the job is dropped unrun, and an
    /// error is logged.
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        let job: Job = Box::new(job);
        let slot = lock(&self.inner.idle).pop();
        match slot {
            Some(slot) => {
                *lock(&slot.job) = Some(job);
                slot.wake.notify_one();
            }
            None => {
                let inner = self.inner.clone();
                let started = std::thread::Builder::new()
                    .name("plancheck-check".into())
                    .spawn(move || work(&inner, job));
                if let Err(e) = started {
                    tracing::error!(error = %e, "cannot start a check thread; the job is dropped");
                }
            }
        }
    }
}

/// A check thread: runs its job, goes idle, takes the next job handed to
/// it, and exits after the pool's keep-alive without one.
fn work(inner: &Inner, first: Job) {
    let slot = Arc::new(Slot {
        job: Mutex::new(None),
        wake: Condvar::new(),
    });
    let mut job = first;
    loop {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        lock(&inner.idle).push(slot.clone());
        let mut mailbox = lock(&slot.job);
        job = loop {
            if let Some(j) = mailbox.take() {
                break j;
            }
            let (m, waited) = slot
                .wake
                .wait_timeout(mailbox, inner.keep_alive)
                .unwrap_or_else(|p| p.into_inner());
            mailbox = m;
            if waited.timed_out() && mailbox.is_none() {
                // Leave, unless a caller has just taken this thread from
                // the idle list: then its job is on the way.
                drop(mailbox);
                let mut idle = lock(&inner.idle);
                if let Some(k) = idle.iter().position(|s| Arc::ptr_eq(s, &slot)) {
                    idle.remove(k);
                    return;
                }
                drop(idle);
                mailbox = lock(&slot.job);
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Instant;

    fn thread_id() -> std::thread::ThreadId {
        std::thread::current().id()
    }

    fn pool() -> Workers {
        Workers::new(Duration::from_secs(10))
    }

    fn idle(pool: &Workers) -> usize {
        lock(&pool.inner.idle).len()
    }

    /// Waits (up to 10 s) until `n` threads are idle: a thread goes idle
    /// just after its job has answered.
    fn wait_idle(pool: &Workers, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while idle(pool) != n {
            assert!(Instant::now() < deadline, "{} idle, not {n}", idle(pool));
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn the_most_recently_idle_thread_takes_the_next_job() {
        let pool = pool();
        // two jobs at once start two threads
        let (tx, rx) = mpsc::channel();
        let gate = Arc::new(std::sync::Barrier::new(3));
        for _ in 0..2 {
            let (tx, gate) = (tx.clone(), gate.clone());
            pool.spawn(move || {
                gate.wait();
                tx.send(thread_id()).unwrap();
            });
        }
        gate.wait();
        let a = rx.recv().unwrap();
        let b = rx.recv().unwrap();
        assert_ne!(a, b);
        // then one job after another, each once both threads are idle:
        // each lands on the same thread, the one that went idle last
        let mut seen = Vec::new();
        for _ in 0..5 {
            wait_idle(&pool, 2);
            let tx = tx.clone();
            pool.spawn(move || tx.send(thread_id()).unwrap());
            seen.push(rx.recv().unwrap());
        }
        assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "jobs rotated over threads: {seen:?}"
        );
    }

    #[test]
    fn a_panicking_job_drops_its_sender_and_the_thread_lives_on() {
        let pool = pool();
        let (tx, rx) = mpsc::channel();
        pool.spawn(move || {
            tx.send(thread_id()).unwrap();
            panic!("a deliberate panic in a check job");
        });
        let panicked_on = rx.recv().unwrap();
        assert!(rx.recv().is_err(), "the sender was dropped by the panic");
        wait_idle(&pool, 1);
        let (tx, rx) = mpsc::channel();
        pool.spawn(move || tx.send(thread_id()).unwrap());
        assert_eq!(rx.recv().unwrap(), panicked_on, "a new thread was started");
    }

    #[test]
    fn a_job_waiting_for_another_job_does_not_deadlock() {
        let pool = pool();
        let (tx, rx) = mpsc::channel();
        for _ in 0..8 {
            let (tx, inner_pool) = (tx.clone(), pool.clone());
            pool.spawn(move || {
                let (itx, irx) = mpsc::channel();
                inner_pool.spawn(move || itx.send(1).unwrap());
                tx.send(irx.recv().unwrap()).unwrap();
            });
        }
        let total: i32 = (0..8).map(|_| rx.recv().unwrap()).sum();
        assert_eq!(total, 8);
    }

    #[test]
    fn idle_threads_exit_after_the_keep_alive() {
        let pool = Workers::new(Duration::from_millis(500));
        let (tx, rx) = mpsc::channel();
        let gate = Arc::new(std::sync::Barrier::new(4));
        for _ in 0..3 {
            let (tx, gate) = (tx.clone(), gate.clone());
            pool.spawn(move || {
                gate.wait();
                tx.send(()).unwrap();
            });
        }
        gate.wait();
        for _ in 0..3 {
            rx.recv().unwrap();
        }
        wait_idle(&pool, 3);
        // all three leave after the keep-alive
        wait_idle(&pool, 0);
        // and the pool still works
        pool.spawn(move || tx.send(()).unwrap());
        rx.recv().unwrap();
    }
}
