/* timer_heap.c - a binary min-heap of timers ordered by (deadline, seq) (R6).
 * libevent's own heap compares only the timeval, so equal deadlines would fire in no fixed
 * order; this heap breaks ties by registration sequence. */
#include <stdlib.h>

#include "internal.h"

static bool before(const corral__timer *a, const corral__timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(corral__heap *h, uint32_t i, corral__timer *t)
{
    h->items[i] = t;
    t->index = i;
}

static void sift_up(corral__heap *h, uint32_t i)
{
    corral__timer *t = h->items[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!before(t, h->items[parent]))
            break;
        place(h, i, h->items[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void sift_down(corral__heap *h, uint32_t i)
{
    corral__timer *t = h->items[i];
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= h->len)
            break;
        if (child + 1 < h->len && before(h->items[child + 1], h->items[child]))
            child++;
        if (!before(h->items[child], t))
            break;
        place(h, i, h->items[child]);
        i = child;
    }
    place(h, i, t);
}

void corral__heap_init(corral__heap *h)
{
    h->items = NULL;
    h->len = h->cap = 0;
}

void corral__heap_free(corral__heap *h)
{
    for (uint32_t i = 0; i < h->len; i++)
        h->items[i]->index = CORRAL__TIMER_IDLE;
    free(h->items);
    corral__heap_init(h);
}

int corral__heap_push(corral__heap *h, corral__timer *t)
{
    if (h->len == h->cap) {
        uint32_t cap = h->cap ? h->cap * 2 : 64;
        corral__timer **items = realloc(h->items, cap * sizeof *items);
        if (!items)
            return CORRAL_ENOMEM;
        h->items = items;
        h->cap = cap;
    }
    place(h, h->len++, t);
    sift_up(h, t->index);
    return 0;
}

void corral__heap_remove(corral__heap *h, corral__timer *t)
{
    uint32_t i = t->index;
    if (i == CORRAL__TIMER_IDLE)
        return;
    t->index = CORRAL__TIMER_IDLE;
    corral__timer *last = h->items[--h->len];
    if (i == h->len)
        return;
    place(h, i, last);
    if (i > 0 && before(last, h->items[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

corral__timer *corral__heap_top(const corral__heap *h)
{
    return h->len ? h->items[0] : NULL;
}
