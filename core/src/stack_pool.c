/* stack_pool.c - guarded fiber stacks, reused from a per-runtime pool.
 * A fresh page costs ~2 us to touch (design.md), so stacks are recycled rather than unmapped.
 * Each stack is one mapping with a PROT_NONE guard page at its low end (two VMAs). */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#define POOL_MAX 1024

static size_t page_size(void)
{
    static size_t page;
    if (!page)
        page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}

void corral__stack_pool_init(corral__stack_pool *p, size_t stack_size)
{
    size_t page = page_size();
    p->free = NULL;
    p->len = p->cap = 0;
    p->stack_size = (stack_size + page - 1) / page * page;
}

static void unmap(corral__stack *s)
{
#ifdef HAVE_VALGRIND
    VALGRIND_STACK_DEREGISTER(s->valgrind_id);
#endif
#if defined(__SANITIZE_ADDRESS__)
    /* Forget the redzones a fiber left on this stack: whoever maps these pages next (a host's
     * allocator, say) must not inherit them as false stack-buffer-underflows. */
    __asan_unpoison_memory_region(s->map, s->map_len);
#endif
    munmap(s->map, s->map_len);
}

int corral__stack_get(corral__stack_pool *p, corral__stack *out)
{
    if (p->len) {
        *out = p->free[--p->len];
        return 0;
    }
    size_t page = page_size();
    size_t len = p->stack_size + page;
    void *map =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        return corral__fail(CORRAL_ENOMEM, "fiber: cannot map a %zu-byte stack", len);
    if (mprotect(map, page, PROT_NONE) != 0) { /* fails at vm.max_map_count */
        munmap(map, len);
        return corral__fail(CORRAL_ENOMEM, "fiber: cannot add a guard page (too many fibers?)");
    }
    out->map = map;
    out->map_len = len;
    out->lo = (char *)map + page;
    out->size = p->stack_size;
#ifdef HAVE_VALGRIND
    out->valgrind_id = VALGRIND_STACK_REGISTER(out->lo, (char *)out->lo + out->size);
#else
    out->valgrind_id = 0;
#endif
    return 0;
}

void corral__stack_put(corral__stack_pool *p, corral__stack *s)
{
    if (s->size == p->stack_size && p->len < POOL_MAX) {
        if (p->len == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 16;
            corral__stack *f = realloc(p->free, cap * sizeof *f);
            if (!f) {
                unmap(s);
                return;
            }
            p->free = f;
            p->cap = cap;
        }
        p->free[p->len++] = *s;
        return;
    }
    unmap(s);
}

void corral__stack_pool_free(corral__stack_pool *p)
{
    for (size_t i = 0; i < p->len; i++)
        unmap(&p->free[i]);
    free(p->free);
    p->free = NULL;
    p->len = p->cap = 0;
    p->stack_size = 0; /* stacks returned from now on are unmapped */
}
