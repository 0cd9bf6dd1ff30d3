// A libFuzzer driver for SharpFuzz-instrumented .NET programs (SharpFuzz 2.x IPC, Linux).
//
// libFuzzer runs in this process; the .NET target runs in a child started once and kept alive. Per input:
//   1. clear the 64 KiB coverage map at the start of a SysV shared-memory segment,
//   2. copy the input after the map and write its length (int32) to the control pipe,
//   3. read the status (int32) from the status pipe: 0 = ok, anything else = the target threw,
//   4. copy the map into libFuzzer's extra counters, so new .NET edges count as new coverage.
// The child finds the segment and the pipe descriptors in __LIBFUZZER_SHM_ID, __LIBFUZZER_CONTROL_PIPE_ID
// and __LIBFUZZER_STATUS_PIPE_ID (read by SharpFuzz's Fuzzer.LibFuzzer.Run). A thrown exception, or a child
// that dies, aborts this process so libFuzzer stores the input as a crash artifact.
//
// Build: clang -O2 -fsanitize=fuzzer libfuzzer-dotnet.c -o libfuzzer-dotnet
// Run:   ./libfuzzer-dotnet --target_path=/usr/bin/dotnet --target_arg=Fuzz.dll --target_arg=TARGET [libFuzzer flags] CORPUS...

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define COVERAGE_BYTES (1 << 16)
#define MAX_INPUT_BYTES (1 << 20)
#define MAX_TARGET_ARGS 16

__attribute__((section("__libfuzzer_extra_counters"))) uint8_t dotnet_counters[COVERAGE_BYTES];

static uint8_t *shared;
static int shm_id = -1;
static int control_fd = -1;
static int status_fd = -1;
static pid_t child = -1;

static void fail(const char *what)
{
    fprintf(stderr, "libfuzzer-dotnet: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void remove_segment(void)
{
    if (shm_id >= 0)
        shmctl(shm_id, IPC_RMID, NULL);
    if (child > 0)
        kill(child, SIGKILL);
}

static int write_all(int fd, const void *buffer, size_t size)
{
    const char *p = buffer;
    while (size > 0)
    {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buffer, size_t size)
{
    char *p = buffer;
    while (size > 0)
    {
        ssize_t n = read(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

static const char *flag_value(const char *arg, const char *name)
{
    size_t length = strlen(name);
    return strncmp(arg, name, length) == 0 && arg[length] == '=' ? arg + length + 1 : NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *path = NULL;
    char *child_argv[MAX_TARGET_ARGS + 2];
    int count = 0;
    for (int i = 1; i < *argc; i++)
    {
        const char *value;
        if ((value = flag_value((*argv)[i], "--target_path")) != NULL)
            path = value;
        else if ((value = flag_value((*argv)[i], "--target_arg")) != NULL && count < MAX_TARGET_ARGS)
            child_argv[1 + count++] = (char *)value;
    }
    if (path == NULL)
    {
        fprintf(stderr, "usage: %s --target_path=PROGRAM [--target_arg=ARG]... [libFuzzer flags] [CORPUS...]\n", (*argv)[0]);
        exit(1);
    }
    child_argv[0] = (char *)path;
    child_argv[1 + count] = NULL;

    shm_id = shmget(IPC_PRIVATE, COVERAGE_BYTES + MAX_INPUT_BYTES, IPC_CREAT | IPC_EXCL | 0600);
    if (shm_id < 0)
        fail("shmget");
    atexit(remove_segment);
    shared = shmat(shm_id, NULL, 0);
    if (shared == (void *)-1)
        fail("shmat");

    int control[2], status[2];
    if (pipe(control) != 0 || pipe(status) != 0)
        fail("pipe");

    char text[32];
    snprintf(text, sizeof text, "%d", shm_id);
    setenv("__LIBFUZZER_SHM_ID", text, 1);
    snprintf(text, sizeof text, "%d", control[0]);
    setenv("__LIBFUZZER_CONTROL_PIPE_ID", text, 1);
    snprintf(text, sizeof text, "%d", status[1]);
    setenv("__LIBFUZZER_STATUS_PIPE_ID", text, 1);

    child = fork();
    if (child < 0)
        fail("fork");
    if (child == 0)
    {
        close(control[1]);
        close(status[0]);
        execv(path, child_argv);
        fail("execv");
    }
    close(control[0]);
    close(status[1]);
    control_fd = control[1];
    status_fd = status[0];

    int32_t ready;
    if (read_all(status_fd, &ready, sizeof ready) != 0)
    {
        fprintf(stderr, "libfuzzer-dotnet: the target did not start (is it a SharpFuzz program calling Fuzzer.LibFuzzer.Run?)\n");
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT_BYTES)
        size = MAX_INPUT_BYTES;
    memset(shared, 0, COVERAGE_BYTES);
    memcpy(shared + COVERAGE_BYTES, data, size);
    int32_t length = (int32_t)size;
    int32_t status;
    if (write_all(control_fd, &length, sizeof length) != 0 || read_all(status_fd, &status, sizeof status) != 0)
    {
        fprintf(stderr, "libfuzzer-dotnet: the target process died\n");
        abort();
    }
    if (status != 0)
    {
        fprintf(stderr, "libfuzzer-dotnet: the target threw an unexpected exception (status %d)\n", status);
        abort();
    }
    memcpy(dotnet_counters, shared, COVERAGE_BYTES);
    return 0;
}
