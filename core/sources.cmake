# The core's source list (owned by the core; core/CMakeLists.txt builds it).
set(CORRAL_CORE_SOURCES
  src/error.c
  src/value.c
  src/clock.c
  src/timer_heap.c
  src/trace.c
  src/runtime.c
  src/scheduler.c
  src/future.c
  src/task.c
  src/await.c
  src/scope.c
  src/group.c
  src/helpers.c
  src/unwind.c
  src/exitstack.c
  src/context.c
  src/sync.c
  src/watch.c
  src/queue.c
  src/fiber.c
  src/stack_pool.c
  src/host.c
  src/run.c
)
if(CORRAL_FIBER_UCONTEXT OR NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|aarch64|arm64)$")
  list(APPEND CORRAL_CORE_SOURCES src/fiber_switch_ucontext.c)
  set(CORRAL_FIBER_BACKEND ucontext)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64)$")
  list(APPEND CORRAL_CORE_SOURCES src/fiber_ctx.c src/fiber_switch_x86_64.S)
  set(CORRAL_FIBER_BACKEND asm)
else()
  list(APPEND CORRAL_CORE_SOURCES src/fiber_ctx.c src/fiber_switch_aarch64.S)
  set(CORRAL_FIBER_BACKEND asm)
endif()
