/* loop.c - the event loop a worker runs, in the shape of Redis's ae.c: one epoll set holding
 * the fds of sources and sinks, one timerfd armed at the earliest timer, and one eventfd that
 * any thread may poke to wake the worker. SIGINT/SIGTERM are caught by a handler that notes
 * the signal and pokes the eventfd (not a signalfd: a blocked signal could not interrupt a
 * write blocked on a full pipe, so a stop would wait for a reader that never reads).
 * Callbacks run on the loop's thread. Timers are few (flush, rollover, idle timeouts, later
 * checkpoints), so they live in a small array scanned for the earliest deadline.
 * Must not touch: operators, rows or the job: it only calls back. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "pipeline.h"

typedef struct loop_fd {
  loop_fd_fn fn;
  void *arg;
  int mask; /* 0: not registered */
} loop_fd;

typedef struct loop_timer {
  uint64_t id;
  int64_t due, every;
  loop_timer_fn fn;
  void *arg;
} loop_timer;

struct sl_loop {
  int ep, tfd, efd;
  loop_fd *fds;
  int nfds;
  loop_timer *timers;
  int ntimers, timercap;
  uint64_t next_id;
  int64_t armed; /* deadline the timerfd is set to, 0 = disarmed */
  loop_signal_fn sig_fn;
  void *sig_arg;
};

/* Signals caught by the handler (a bit per signal number below 64), how many, the last one,
 * and the eventfd to poke: process-wide, as signal dispositions are. */
static volatile sig_atomic_t sig_count, sig_last;
static volatile uint64_t sig_pending;
static volatile int sig_efd = -1;

int64_t loop_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ep_add(int ep, int fd, int mask) {
  struct epoll_event ev = {0};
  ev.events = (mask & LOOP_READ ? EPOLLIN : 0) | (mask & LOOP_WRITE ? EPOLLOUT : 0);
  ev.data.fd = fd;
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

sl_loop *loop_new(void) {
  sl_loop *l = xcalloc(1, sizeof *l);
  l->ep = epoll_create1(EPOLL_CLOEXEC);
  l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (l->ep < 0 || l->tfd < 0 || l->efd < 0 || ep_add(l->ep, l->tfd, LOOP_READ) ||
      ep_add(l->ep, l->efd, LOOP_READ)) {
    int err = errno;
    loop_free(l);
    errno = err;
    return NULL;
  }
  l->next_id = 1;
  return l;
}

void loop_free(sl_loop *l) {
  if (!l) return;
  if (sig_efd == l->efd) sig_efd = -1; /* a later signal must not poke a closed fd */
  if (l->ep >= 0) close(l->ep);
  if (l->tfd >= 0) close(l->tfd);
  if (l->efd >= 0) close(l->efd);
  free(l->fds);
  free(l->timers);
  free(l);
}

int loop_add_fd(sl_loop *l, int fd, int mask, loop_fd_fn fn, void *arg) {
  if (fd < 0) {
    errno = EBADF;
    return -1;
  }
  if (fd >= l->nfds) {
    int n = fd + 16;
    l->fds = xrealloc(l->fds, sizeof(loop_fd) * (size_t)n);
    memset(l->fds + l->nfds, 0, sizeof(loop_fd) * (size_t)(n - l->nfds));
    l->nfds = n;
  }
  struct epoll_event ev = {0};
  ev.events = (mask & LOOP_READ ? EPOLLIN : 0) | (mask & LOOP_WRITE ? EPOLLOUT : 0);
  ev.data.fd = fd;
  int op = l->fds[fd].mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(l->ep, op, fd, &ev) != 0) return -1;
  l->fds[fd] = (loop_fd){fn, arg, mask};
  return 0;
}

void loop_del_fd(sl_loop *l, int fd) {
  if (fd < 0 || fd >= l->nfds || !l->fds[fd].mask) return;
  epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
  l->fds[fd].mask = 0;
}

/* Arms the timerfd at the earliest deadline (or disarms it). */
static void rearm(sl_loop *l) {
  int64_t due = 0;
  for (int i = 0; i < l->ntimers; i++)
    if (!due || l->timers[i].due < due) due = l->timers[i].due;
  if (due == l->armed) return;
  l->armed = due;
  struct itimerspec its = {0};
  if (due) {
    its.it_value.tv_sec = due / 1000;
    its.it_value.tv_nsec = (due % 1000) * 1000000;
    if (!its.it_value.tv_sec && !its.it_value.tv_nsec) its.it_value.tv_nsec = 1;
  }
  timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

uint64_t loop_add_timer(sl_loop *l, int64_t after_ms, int64_t every_ms, loop_timer_fn fn,
                        void *arg) {
  if (l->ntimers == l->timercap) {
    l->timercap = l->timercap ? l->timercap * 2 : 8;
    l->timers = xrealloc(l->timers, sizeof(loop_timer) * (size_t)l->timercap);
  }
  uint64_t id = l->next_id++;
  l->timers[l->ntimers++] =
      (loop_timer){id, loop_now_ms() + (after_ms > 0 ? after_ms : 0), every_ms, fn, arg};
  rearm(l);
  return id;
}

void loop_del_timer(sl_loop *l, uint64_t id) {
  for (int i = 0; i < l->ntimers; i++)
    if (l->timers[i].id == id) {
      l->timers[i] = l->timers[--l->ntimers];
      rearm(l);
      return;
    }
}

static void on_signal(int signo) {
  int saved = errno;
  if (sig_count > 0) { /* a second signal: the user insists, leave at once */
    static const char msg[] = "sluice: second signal, exiting without cleanup\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(128 + signo);
  }
  sig_count++;
  sig_last = signo;
  __atomic_fetch_or(&sig_pending, (uint64_t)1 << (signo & 63), __ATOMIC_SEQ_CST);
  if (sig_efd >= 0) {
    uint64_t one = 1;
    ssize_t r = write(sig_efd, &one, sizeof one);
    (void)r;
  }
  errno = saved;
}

int loop_watch_signals(sl_loop *l, const int *signals, int n, loop_signal_fn fn, void *arg) {
  l->sig_fn = fn;
  l->sig_arg = arg;
  sig_efd = l->efd;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a blocked write returns EINTR and sees the stop */
  for (int i = 0; i < n; i++)
    if (sigaction(signals[i], &sa, NULL) != 0) return -1;
  return 0;
}

int loop_signal_caught(void) { return sig_count ? sig_last : 0; }
int loop_signal_count(void) { return sig_count; }

/* Hands the caught signals to the loop's callback (on the loop's thread). */
static int deliver_signals(sl_loop *l) {
  uint64_t p = __atomic_exchange_n(&sig_pending, 0, __ATOMIC_SEQ_CST);
  int ran = 0;
  for (int s = 1; s < 64 && p; s++)
    if (p & ((uint64_t)1 << s)) {
      p &= ~((uint64_t)1 << s);
      if (l->sig_fn) l->sig_fn(l, s, l->sig_arg);
      ran++;
    }
  return ran;
}

void loop_wake(sl_loop *l) {
  uint64_t one = 1;
  ssize_t r = write(l->efd, &one, sizeof one);
  (void)r; /* EAGAIN: the counter is already non-zero, the loop will wake anyway */
}

/* Runs every timer that is due; repeating timers are rescheduled from their deadline. */
static int run_timers(sl_loop *l) {
  uint64_t expirations;
  while (read(l->tfd, &expirations, sizeof expirations) > 0) {
  }
  int64_t now = loop_now_ms();
  int ran = 0;
  /* A callback may add or delete timers: collect the due ids first. */
  uint64_t due[64];
  int64_t when[64];
  int ndue = 0;
  for (int i = 0; i < l->ntimers && ndue < 64; i++)
    if (l->timers[i].due <= now) { /* insertion sort: timers due together fire in order */
      int k = ndue++;
      while (k > 0 && when[k - 1] > l->timers[i].due) {
        due[k] = due[k - 1];
        when[k] = when[k - 1];
        k--;
      }
      due[k] = l->timers[i].id;
      when[k] = l->timers[i].due;
    }
  for (int k = 0; k < ndue; k++) {
    for (int i = 0; i < l->ntimers; i++) {
      if (l->timers[i].id != due[k]) continue;
      loop_timer t = l->timers[i];
      if (t.every > 0) {
        l->timers[i].due = t.due + t.every > now ? t.due + t.every : now + t.every;
      } else {
        l->timers[i] = l->timers[--l->ntimers];
      }
      t.fn(l, t.id, t.arg);
      ran++;
      break;
    }
  }
  l->armed = -1; /* force a rearm: the timerfd fired */
  rearm(l);
  return ran;
}

int loop_poll(sl_loop *l, int timeout_ms) {
  struct epoll_event evs[64];
  int n;
  do n = epoll_wait(l->ep, evs, 64, timeout_ms);
  while (n < 0 && errno == EINTR && timeout_ms == 0);
  if (n < 0) return errno == EINTR ? 0 : -1;
  int ran = 0;
  for (int i = 0; i < n; i++) {
    int fd = evs[i].data.fd;
    if (fd == l->tfd) {
      ran += run_timers(l);
    } else if (fd == l->efd) {
      uint64_t v;
      ssize_t r = read(l->efd, &v, sizeof v);
      (void)r;
      ran += 1 + deliver_signals(l);
    } else if (fd >= 0 && fd < l->nfds && l->fds[fd].mask) {
      loop_fd f = l->fds[fd];
      int mask = (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR) ? LOOP_READ : 0) |
                 (evs[i].events & EPOLLOUT ? LOOP_WRITE : 0);
      f.fn(l, fd, mask, f.arg);
      ran++;
    }
  }
  return ran;
}
