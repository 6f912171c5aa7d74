/* group_int.h - internals shared by exchange.c (the channels, senders and receivers) and
 * group.c (the workers, their threads, waiting and waking). Not a public header: the rest of
 * sluice uses pipeline.h. */
#ifndef SLUICE_GROUP_INT_H
#define SLUICE_GROUP_INT_H

#include <pthread.h>

#include "pipeline.h"

/* Items a channel holds: batches (up to batch_rows rows each) and signals. A full channel
 * blocks its sender: with 1,024-row batches that bounds what is in flight between two workers
 * to 8 batches per direction per exchange. */
enum { XCHG_SLOTS = 8, XCHG_FREE = 16 };

typedef struct xitem {
  sl_batch *b; /* rows, or NULL for a signal */
  sl_signal sig;
} xitem;

/* One direction between two workers: a single-producer/single-consumer ring of items, and a
 * ring of emptied batches going back to the producer for reuse. */
typedef struct xchan {
  uint32_t tail; /* written by the producer */
  char pad1[60];
  uint32_t head; /* written by the consumer */
  char pad2[60];
  uint32_t ftail, fhead; /* the free ring: the consumer produces, the producer consumes */
  int producer_waiting;  /* the producer is blocked on this full channel */
  xitem ring[XCHG_SLOTS];
  sl_batch *free[XCHG_FREE];
} xchan;

struct xchg {
  int index, n;
  sl_group *g;
  xchan *ch;  /* ch[from * n + to] */
  sl_op **rx; /* the receiver on each worker */
};

typedef struct xworker {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int blocked;  /* a sender of this worker waits (atomic) */
  uint64_t seq; /* bumped under mu by whoever may have unblocked it */
  sl_job *job;
} xworker;

struct sl_group {
  int n;
  xchg **x;
  int nx, xcap;
  xworker *wk;
  int stop;     /* atomic: every worker stops (a signal, or a failure somewhere) */
  int failed;   /* atomic: a worker failed; the others return without publishing */
  bool bounded; /* every source of every worker ends by itself */
  pthread_mutex_t mu;
  sl_error err; /* the first failure */
};

/* Wakes worker w if one of its senders is blocked (after a channel it waits on changed). */
void job_group_wake(sl_group *g, int w);
/* Worker w's sender on exchange `index` cannot put into channel c: help by draining w's
 * receivers of exchanges >= index, else sleep until woken. Returns SL_OK when c has room,
 * *dropped = true when the run is stopping (the rows are not needed any more), or the
 * error of an operator the help pushed into. */
sl_status job_group_wait_room(sl_group *g, int w, int index, xchan *c, bool *dropped, sl_error *e);
/* One pump of a receiver: delivers what its channels hold (at most a few items). */
sl_status xchg_recv_pump(sl_op *op, pump_result *r, sl_error *e);
/* Whether a receiver has anything to deliver now. */
bool xchg_recv_pending(const sl_op *op);
/* The exchange number of a receiver. */
int xchg_recv_index(const sl_op *op);
/* Every worker stops (a signal on worker 0, or a failure): waits are released. */
void job_group_request_stop(sl_group *g, int signo);
bool job_group_failed(const sl_group *g);

#endif
