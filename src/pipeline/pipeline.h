/* pipeline.h - the running job: the event loop each worker runs, operators connected by
 * numbered ports, the signals that flow with the data, the executor that drives the sources,
 * dead-letter routing and per-source/sink counters. Public header of the pipeline subsystem.
 *
 * Operator contract.
 * - push(op, port, batch) delivers rows on one input port. The batch and the strings its rows
 *   point to are valid only during the call (a source reuses its batch and its input buffer):
 *   an operator that keeps a row copies it with state_keep_row (state/state.h). An operator
 *   that outputs rows fills its own batch and calls op_emit() before returning.
 * - signal(op, port, sig) delivers WATERMARK, IDLE, ACTIVE, END (and later BARRIER) in order
 *   with the data. NULL means op_signal_default: it keeps the minimum watermark over the
 *   non-idle ports and forwards it when it rises (never backwards), forwards IDLE when every
 *   port is idle and ACTIVE when one wakes, and when every port has ended calls finish() and
 *   sends END on. Stateless operators need no signal code at all. An operator that handles
 *   signals itself calls op_signal_default for the kinds it does not care about.
 * - finish(op) runs once, when every input has ended (after the +infinity watermark of a
 *   bounded input): emit what is buffered; sinks write and fsync their output but do not
 *   publish it yet. NULL: nothing to do.
 * - commit(op) (sinks, optional) publishes what finish prepared. The executor calls it on
 *   every sink once every source of the job has ended without a stop or an error, so a run
 *   publishes all of its outputs or none.
 * - Sources have pump(): read and emit at most one batch, then answer PUMP_EMITTED (call
 *   again), PUMP_WAIT (nothing now: the source has registered an fd or a timer with the job's
 *   loop and calls op_source_ready when it fires) or PUMP_ENDED (its input is exhausted; the
 *   executor sends the +infinity watermark and END). Nothing busy-waits.
 * - stop(op, publish) is a stop (SIGINT/SIGTERM), not an end: no END and no +infinity
 *   watermark flow. Sources release their inputs; sinks publish what was written when
 *   `publish` (an unbounded run) or discard it and leave the previous output (a bounded run
 *   stopped before its end). It is called on every operator, ended or not. NULL: nothing.
 * - flush(op) (sinks, optional) writes buffered output out; the executor calls it before it
 *   sleeps, so a row reaches a print sink as soon as the pipeline goes idle, and every 100 ms
 *   while sources are busy.
 * Nothing is pushed or signalled after END: op_emit and op_signal_emit fail with an internal
 * error if an operator tries.
 * To add an operator: copy ops/union.c (the smallest) and fill an op_vt. */
#ifndef SLUICE_PIPELINE_H
#define SLUICE_PIPELINE_H

#include "../expr/expr.h"
#include "../state/state.h"

/* ---- the event loop (loop.c): epoll + timerfd + eventfd (+ a signal handler), one per worker ----
 */

typedef struct sl_loop sl_loop;
enum { LOOP_READ = 1, LOOP_WRITE = 2 };
typedef void (*loop_fd_fn)(sl_loop *l, int fd, int mask, void *arg);
typedef void (*loop_timer_fn)(sl_loop *l, uint64_t id, void *arg);
typedef void (*loop_signal_fn)(sl_loop *l, int signo, void *arg);

sl_loop *loop_new(void); /* NULL when the kernel refuses (errno set) */
void loop_free(sl_loop *l);
/* Calls fn when fd is readable/writable (level-triggered). 0, or -1 with errno. */
int loop_add_fd(sl_loop *l, int fd, int mask, loop_fd_fn fn, void *arg);
void loop_del_fd(sl_loop *l, int fd);
/* A timer firing after `after_ms`, then every `every_ms` (0: once). Returns its id (never 0). */
uint64_t loop_add_timer(sl_loop *l, int64_t after_ms, int64_t every_ms, loop_timer_fn fn,
                        void *arg);
void loop_del_timer(sl_loop *l, uint64_t id);
/* Catches the signals with a handler (without SA_RESTART, so a blocked write returns EINTR)
 * and calls fn for each on the loop's thread at its next poll. */
int loop_watch_signals(sl_loop *l, const int *signals, int n, loop_signal_fn fn, void *arg);
/* The last signal the handler caught (0 if none), and how many it caught: a writer blocked on
 * a full pipe compares the count before and after to see that a stop came meanwhile. */
int loop_signal_caught(void);
int loop_signal_count(void);
/* Wakes the loop from any thread (eventfd); a sleeping loop_poll returns. */
void loop_wake(sl_loop *l);
/* Waits up to timeout_ms (-1: until something happens; 0: just look) and runs the callbacks
 * of what is ready. Returns the number of callbacks run, or -1 on an epoll error. */
int loop_poll(sl_loop *l, int timeout_ms);
int64_t loop_now_ms(void); /* CLOCK_MONOTONIC milliseconds */

/* ---- operators ---- */

typedef struct sl_op sl_op;
typedef struct sl_job sl_job;

typedef enum sl_signal_kind {
  SIG_WATERMARK = 1, /* ts: event time up to which the input is complete */
  SIG_IDLE,          /* the input will send nothing for a while: do not wait for it */
  SIG_ACTIVE,        /* an idle input has data again */
  SIG_END,           /* the input has ended; nothing follows */
  SIG_BARRIER,       /* epoch: checkpoint barrier (the checkpoint issue) */
} sl_signal_kind;

#define WM_NONE INT64_MIN     /* no watermark yet */
#define WM_INFINITY INT64_MAX /* the end of a bounded input: every window closes */

typedef struct sl_signal {
  int kind;
  int64_t ts;     /* SIG_WATERMARK */
  uint64_t epoch; /* SIG_BARRIER */
} sl_signal;

typedef enum pump_result { PUMP_EMITTED = 0, PUMP_WAIT, PUMP_ENDED } pump_result;

typedef struct op_vt {
  const char *kind;
  sl_status (*push)(sl_op *op, int port, const sl_batch *b, sl_error *e);
  sl_status (*signal)(sl_op *op, int port, const sl_signal *sig, sl_error *e);
  sl_status (*finish)(sl_op *op, sl_error *e);
  sl_status (*commit)(sl_op *op, sl_error *e);
  sl_status (*pump)(sl_op *op, pump_result *r, sl_error *e);
  sl_status (*stop)(sl_op *op, bool publish, sl_error *e);
  sl_status (*flush)(sl_op *op, sl_error *e);
  void (*describe)(const sl_op *op, sl_buf *out); /* one line for explain */
  void (*free)(sl_op *op);
  /* Stateful operators: write the whole state (windows, accumulators, kept rows, the
   * watermark) as a versioned byte stream (state.h: header, records, CRC), and read it back
   * into a fresh instance built from the same plan. A restored instance continues exactly
   * where the snapshot was taken. NULL: the operator keeps no state. */
  sl_status (*snapshot)(sl_op *op, sl_buf *out, sl_error *e);
  sl_status (*restore)(sl_op *op, const void *p, size_t n, sl_error *e);
  /* explain: "keeps one accumulator per key" ...; NULL: keeps nothing. */
  const char *keeps;
  /* Delivery (docs/delivery.md): source positions are committed upstream (Kafka offsets, a
   * replication slot's confirmed position, a polling cursor) only once every row read before
   * them has been made durable by every sink. The executor injects BARRIER(epoch) at every
   * source of every worker every 'execution.checkpointing.interval' (only in jobs with a
   * source that has `durable`); the barrier flows in order with the rows; an operator forwards
   * it once it has arrived on every input that has not ended; a stateful operator holds it
   * until the rows it absorbed before it have been emitted (a window: once the watermark
   * closes every window open when it arrived; state that never empties, as a GROUP BY without
   * windows, holds it for good: nothing is committed until the checkpoint issue snapshots
   * state).
   * - mark(op, epoch), sources: called between two batches, just before BARRIER(epoch) leaves
   *   this source. Remember the position reached: everything emitted so far.
   * - durable(op, epoch), sources: called on the source's own worker thread once every sink of
   *   every worker has made durable the rows that came before BARRIER(epoch). Commit the
   *   newest position remembered for an epoch <= `epoch` and forget older ones. Epochs rise;
   *   the executor may skip some (the newest covers the older). Dead letters are flushed and
   *   fsynced first. At the end of a run that every source ended and every sink published,
   *   mark and durable are called once more with a last epoch.
   * - barrier(op, epoch), sinks: BARRIER(epoch) has arrived on every input. Make every row
   *   received so far durable (write + fsync, close a part file, wait for the broker's acks),
   *   then call op_sink_durable(op, epoch), now or later on this worker's thread (a Kafka sink
   *   from its delivery-report poll). NULL: flush(), then acknowledge at once.
   * NULL mark/durable: the source has nothing to commit (files, generators). */
  sl_status (*mark)(sl_op *op, uint64_t epoch, sl_error *e);
  sl_status (*durable)(sl_op *op, uint64_t epoch, sl_error *e);
  sl_status (*barrier)(sl_op *op, uint64_t epoch, sl_error *e);
  /* Stateful operators (keeps != NULL): the watermark this operator must have forwarded before
   * every row it has received so far has been emitted (a window aggregation: the last end of
   * its open windows - 1); WM_NONE: it holds nothing now. A barrier that arrives is held until
   * the operator's watermark reaches the value this returns at that moment. NULL with `keeps`
   * set: state that never empties; barriers are held for good. */
  int64_t (*frontier)(const sl_op *op);
} op_vt;

typedef struct op_port {
  int64_t wm; /* highest watermark seen on this port */
  bool idle, ended;
  uint64_t barrier; /* highest BARRIER epoch seen on this port */
} op_port;

typedef struct op_edge {
  sl_op *to;
  int port;
} op_edge;

struct sl_op {
  const op_vt *vt;
  sl_job *job;
  int id;
  const char *name; /* table name for sources and sinks */
  op_edge *out;
  int nout, outcap;
  sl_op **in; /* in[p] feeds port p */
  op_port *ports;
  int nin, incap, nin_ended;
  int64_t wm;           /* the watermark last forwarded */
  bool idle;            /* IDLE forwarded and not yet ACTIVE */
  bool ended;           /* END forwarded: nothing may follow */
  bool bounded;         /* sources: the input ends by itself (no monitoring) */
  bool ready;           /* sources: pump may have rows (set by op_source_ready) */
  bool updating;        /* emits a changelog (-U/+U/-D rows), not only +I */
  bool accepts_updates; /* sinks: can consume a changelog */
  uint64_t rows_in, rows_out;
  int ncols;               /* width of the rows this operator emits */
  const char *const *cols; /* their names */
  const sl_type *types;    /* and types */
  state_alloc mem;         /* the state this operator keeps (bytes, peak; limit from the job) */
  /* Rows the operator keeps (joins, windows ...): kept current with op_state_rows; the run
   * summary reports the peak next to mem.peak. */
  int64_t state_rows, state_rows_peak;
  /* Sources: the job reads this source first, until it ends or waits (a lookup join's
   * dimension table is complete, or caught up, before the first probe row). */
  bool preload;
  /* Sources that set `ready` themselves, from other threads (exchange receivers): the
   * executor reads it atomically and never clears it. */
  bool self_ready;
  /* explain: how long the kept state lives ("until the watermark passes window_end", "1 d
   * after its key's last row (TTL)"); NULL for a stateful operator means unbounded and
   * explain warns. Set by the planner. */
  const char *retention;
  /* Delivery: the newest epoch this sink has made durable (op_sink_durable; read by other
   * workers atomically); `sink` is set by job_add_sink. barrier: the epoch forwarded (a sink:
   * handed to its barrier()); held barriers of a stateful operator wait in bar_epoch/bar_wm
   * for its watermark to reach bar_wm. */
  uint64_t durable_epoch;
  bool sink;
  uint64_t barrier;
  uint64_t bar_epoch[4];
  int64_t bar_wm[4];
  int nbar;
  bool never_durable; /* a sink that acknowledges no epoch while running (explain says so) */
};

/* The error of an operator whose state cannot grow: it names the operator, the limit that was
 * reached ('pipeline.memory.limit' or 'sluice.state.memory-limit') and what it keeps. */
sl_status op_state_full(const sl_op *op, sl_error *e);

static inline void op_state_rows(sl_op *op, int64_t delta) {
  op->state_rows += delta;
  if (op->state_rows > op->state_rows_peak) op->state_rows_peak = op->state_rows;
}

void op_init(sl_op *op, const op_vt *vt, sl_job *job, const char *name);
/* Connects from's output to a new input port of `to`; returns the port number. */
int op_connect(sl_op *from, sl_op *to);
/* Pushes b to every output (nothing when b is empty). */
sl_status op_emit(sl_op *op, const sl_batch *b, sl_error *e);
/* Sends a signal to every output. */
sl_status op_signal_emit(sl_op *op, const sl_signal *sig, sl_error *e);
sl_status op_signal_default(sl_op *op, int port, const sl_signal *sig, sl_error *e);
/* The watermark op_signal_default will forward once port `port` has seen watermark ts: the
 * minimum over the ports (idle ones count only when all are idle; ended ones not at all). An
 * operator that must act on a watermark before it is forwarded (closing windows) asks this. */
int64_t op_next_watermark(const sl_op *op, int port, int64_t ts);
/* Whether a source upstream of port `port` commits positions (op_vt.durable): a stateful
 * operator that keeps that input's rows for good must hold its barriers. */
bool op_upstream_commits(const sl_op *op, int port);
/* Delivers a signal to an operator's port (its own handler or the default). */
sl_status op_deliver(sl_op *to, int port, const sl_signal *sig, sl_error *e);
/* The end of a source's input: the +infinity watermark, then END. */
sl_status op_end_source(sl_op *op, sl_error *e);
/* A source's fd or timer fired: the executor will pump it again. */
void op_source_ready(sl_op *op);
/* A sink has made durable every row it received before BARRIER(epoch) (see op_vt.barrier).
 * Call on the sink's worker thread. */
void op_sink_durable(sl_op *op, uint64_t epoch);

/* ---- lookup tables: what a lookup join asks a remote table (a connector implements it) ---- */

typedef struct sl_lookup sl_lookup;
/* Called for each row found; the row (ncols cells of the table's types) is valid only during
 * the call. */
typedef sl_status (*lookup_row_fn)(void *arg, const sl_value *row, sl_error *e);
typedef struct lookup_vt {
  const char *kind;
  /* The rows whose key columns equal keys[0..nkeys) (of the key columns' types), each passed
   * to fn. A NULL key matches nothing. Synchronous; an error (connection lost) fails the run. */
  sl_status (*lookup)(sl_lookup *l, const sl_value *keys, lookup_row_fn fn, void *arg, sl_error *e);
  void (*free)(sl_lookup *l);
} lookup_vt;
struct sl_lookup {
  const lookup_vt *vt;
  int ncols; /* the rows it returns */
  const sl_type *types;
  const int *key_cols; /* which of those columns the keys are */
  int nkeys;
};

/* ---- parallel execution (exchange.c, group.c) ----
 * A run with N workers builds N jobs from the one plan, one thread each. Rows move between
 * workers only at exchanges: where a keyed operator (aggregation, join, top-N, OVER, session)
 * needs every row of a key on one worker, or where a sink that cannot be written by several
 * workers takes every row on worker 0. An exchange is N x N bounded single-producer /
 * single-consumer channels of batches and signals. Worker w's sender routes each row by the
 * hash of its key columns (or to worker 0), copies it into the batch it will hand over (its
 * strings into that batch's arena) and moves the full batch into the channel; the receiver on
 * the other side pushes it downstream and hands the empty batch back for reuse. Rows for the
 * sender's own worker are pushed straight through, without a copy. The receiver has one input
 * port per worker, so the default signal handling gives the right semantics for free: its
 * watermark is the minimum over the workers, and END goes on once every worker has ended.
 * Backpressure: a full channel blocks the sender; while it waits it drains its own worker's
 * receivers of this exchange and of later ones (never an earlier one: their rows could reach
 * the operator that is blocked), which is what keeps two workers that wait on each other from
 * deadlocking. A stop, or a failure in any worker, releases every wait. */

typedef struct sl_group sl_group; /* the workers of one run and their exchanges */
typedef struct xchg xchg;         /* one exchange of the plan: N x N channels */
typedef enum xchg_mode {
  XCHG_HASH = 1, /* by the hash of the key columns */
  XCHG_SINGLE,   /* every row to worker 0 (a global aggregation, a sink written once) */
} xchg_mode;

sl_group *job_group_new(int nworkers);
void job_group_free(sl_group *g);
int job_group_workers(const sl_group *g);
/* Exchange number `index` of the plan, created by the first worker that builds it (every
 * worker builds the same plan in the same order, so the numbers agree; an exchange upstream of
 * another has the smaller number). */
xchg *job_group_exchange(sl_group *g, int index);
/* Worker w's ends of exchange x. The sender takes the rows (one input; keys are its input
 * columns, unused for XCHG_SINGLE); the receiver is a source the executor pumps, with the
 * sender's columns (its input ports point at the sender, for walking up the graph). */
sl_op *op_exchange_send_new(sl_job *j, xchg *x, int worker, xchg_mode mode, const int *keys,
                            int nkeys, const sl_op *in);
sl_op *op_exchange_recv_new(sl_job *j, xchg *x, int worker, sl_op *sender);
/* A source that reads nothing and ends at once: a non-splittable table on workers other
 * than 0. */
sl_op *op_empty_source_new(sl_job *j, const char *name);
/* Runs jobs[0..n) (job i is worker i; worker 0 on the calling thread, which takes SIGINT and
 * SIGTERM) until every one has ended or stopped, or one fails (then every worker stops and
 * the first error is returned). Sinks commit only once every worker has ended. */
sl_status job_group_run(sl_group *g, sl_job **jobs, sl_error *e);
/* The end-of-run summary of all workers: counters summed per source, sink and operator. */
void job_group_summary(sl_job **jobs, int n, FILE *f, double wall, double cpu);

/* A row position that is a byte offset rather than a line: a worker that reads a chunk of a
 * file from its middle does not know the line; the dead-letter writer counts it when it needs
 * it (pos.line = POS_OFFSET | offset). */
#define POS_OFFSET (1ULL << 63)

/* ---- the job ---- */

/* What a source does with a record it cannot decode or a row an expression fails on. */
typedef enum on_error { ON_ERROR_DLQ = 0, ON_ERROR_SKIP, ON_ERROR_FAIL } on_error;

/* What a row that arrives after the window (or OVER range) it belongs to was emitted does, per
 * source ('late-data'): go to the dead-letter file with the window it missed (dlq, the
 * default), be counted and dropped (drop), or update the emitted result while the window's
 * state is still kept, i.e. within 'allowed-lateness' (update; later than that it is
 * dead-lettered). */
typedef enum late_mode { LATE_DLQ = 0, LATE_DROP, LATE_UPDATE } late_mode;

typedef struct job_source {
  const char *name;
  on_error policy;
  const char *dlq_path;
  struct dlq_file *dlq;
  char **files; /* input files, for positions */
  int nfiles;
  /* Kafka: files[i] is a topic and partitions[i] its partition; pos.line is the offset, and a
   * dead letter shows {"topic", "partition", "offset"} instead of {"file", "line"}. NULL for
   * files. Allocated with xmalloc, freed with the job. */
  int32_t *partitions;
  uint64_t rows_read, dead_lettered, skipped;
  late_mode late;           /* 'late-data' */
  int64_t allowed_lateness; /* 'allowed-lateness', ms (0: none) */
  uint64_t late_rows;       /* late rows seen (every policy counts) */
  uint64_t late_dead_lettered, late_dropped, late_updates;
} job_source;

typedef struct job_sink {
  const char *name, *target; /* target: a path, "stdout" ... */
  sl_op *op;
  uint64_t rows_written;
} job_sink;

struct sl_job {
  sl_op **ops;
  int nops, opcap;
  job_source *sources;
  int nsources;
  job_sink *sinks;
  int nsinks;
  struct dlq_file *dlqs;
  sl_loop *loop;        /* this worker's event loop */
  int batch_rows;       /* rows per batch a source or operator fills ('sluice.batch-size') */
  expr_ctx ctx;         /* now and session zone; arena set per batch by the operators */
  const sl_source *sql; /* the pipeline text, to locate expression errors */
  bool handle_signals;  /* job_run takes SIGINT/SIGTERM through the loop (the CLI sets it) */
  int stop_signal;      /* the signal that stopped the run, 0 if none */
  bool stopped;         /* stopped before the end of its input */
  bool bounded;         /* every source ends by itself */
  bool flush_due;       /* the flush timer fired: flush sinks at the next chance */
  bool batch_mode;      /* 'execution.runtime-mode' = 'batch': updating operators emit only
                           final rows, at the end of the input */
  size_t state_limit;   /* per-operator state memory limit in bytes (0: none) */
  state_budget *budget; /* 'pipeline.memory.limit': every operator of every worker together */
  sl_error failure;     /* job_fail: an error raised where no caller could take it */
  /* parallel runs: this job is worker `worker` of `group`; the receivers it pumps, in
   * exchange order (group.c drains them while a sender waits) */
  sl_group *group;
  int worker;
  sl_op **receivers;
  int nreceivers;
  sl_job *dlq_home;   /* dead letters go through this job's files (worker 0's), locked */
  bool defer_commit;  /* job_run leaves the sinks' commit to job_group_run */
  const char *serial; /* a parallel run that the plan keeps on one worker: why */
  /* Delivery (delivery.c): 'execution.checkpointing.interval' in ms (0: the default); the
   * state shared by every worker of the run (NULL: no source commits positions); the epoch
   * this worker last injected at its sources and the one its sources were last told is
   * durable. */
  int64_t checkpoint_ms;
  struct delivery *dv;
  uint64_t dv_injected, dv_notified;
};

sl_job *job_new(void);
void job_free(sl_job *j);
void job_add_op(sl_job *j, sl_op *op);
int job_add_source(sl_job *j, const char *name, on_error policy, const char *dlq_path);
int job_add_sink(sl_job *j, const char *name, const char *target, sl_op *op);
/* Asks the run to stop (as SIGTERM does, without a signal): thread-safe via the loop. */
void job_request_stop(sl_job *j, int signo);
/* An operator's timer callback (idleness, early firing, state TTL) failed: there is no caller
 * to return the error to, so the job keeps it (the first one) and job_run ends with it at
 * once, as if the operator had returned it. */
void job_fail(sl_job *j, const sl_error *e);

/* A record or row that cannot go on: per its source's policy it is dead-lettered (a JSON line
 * with source, file, line, stage, reason and the raw text), counted as skipped, or fails the
 * run with a located error. (dlq.c) */
sl_status job_reject(sl_job *j, const sl_rowpos *pos, const char *stage, const char *reason,
                     const char *raw, size_t rawlen, sl_error *e);
sl_status job_dlq_flush(sl_job *j, sl_error *e);
/* Flushes and fsyncs the dead-letter files (worker 0's for every worker). */
sl_status job_dlq_sync(sl_job *j, sl_error *e);
/* A late row (see late_mode): counted in its source's late_rows and, per the source's policy,
 * dead-lettered with stage "late", the reason (the window or range it missed and the
 * watermark) and the row as JSON, or counted as dropped. An operator with policy LATE_UPDATE
 * that can still update calls job_late_updated instead. The row's source is pos->source. */
sl_status job_late(sl_job *j, const sl_rowpos *pos, const char *reason, const char *row_json,
                   size_t len, sl_error *e);
void job_late_updated(sl_job *j, const sl_rowpos *pos);
void job_dlq_close(sl_job *j);

/* Runs the sources until every one has ended (then the graph finishes: END reaches the sinks,
 * which commit) or a stop arrives (then sources stop and sinks publish or discard, see
 * op_vt.stop; j->stopped and j->stop_signal say so). */
sl_status job_run(sl_job *j, sl_error *e);
/* The end-of-run summary: rows per source and sink, dead letters, time. */
void job_summary(const sl_job *j, FILE *f, double wall, double cpu);
/* Publishes what every sink prepared (after job_run with defer_commit). */
sl_status job_commit(sl_job *j, sl_error *e);

/* ---- delivery (delivery.c): barriers, durable sinks, committed source positions ---- */

/* The default 'execution.checkpointing.interval': how often positions can be committed. */
#define DELIVERY_DEFAULT_MS 5000
/* Sets up delivery for the workers jobs[0..n) of one run when some source has `durable`: one
 * shared state; worker 0 gets the timer that starts epochs. Called by job_group_run, or by
 * job_run for a job that runs alone. */
void job_delivery_setup(sl_job **jobs, int n);
/* The executor's turn, between two pumps: inject the barrier of a new epoch at this worker's
 * sources, and tell its sources about an epoch every sink has made durable. */
sl_status job_delivery_tick(sl_job *j, sl_error *e);
/* Frees the shared state (once, by whoever set it up). */
void job_delivery_free(sl_job **jobs, int n);
/* After a sink acknowledged: when every sink has made an epoch durable, every worker is woken
 * to tell its sources. Thread-safe. */
void job_delivery_check(sl_job *j);
/* Every source ended and every sink published (a bounded run, or a Kafka topic read up to
 * 'scan.bounded.mode'): the sources commit where they ended. */
sl_status job_delivery_finish(sl_job **jobs, int n, sl_error *e);
/* explain: when this job's sources commit their positions (nothing when none commits). */
void job_delivery_describe(const sl_job *j, FILE *f);
/* How many epochs every sink has made durable so far (0: none); for the summary and tests. */
uint64_t job_delivery_completed(const sl_job *j);

#endif
