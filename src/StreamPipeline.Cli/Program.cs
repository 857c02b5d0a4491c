using System.CommandLine;
using System.Runtime.InteropServices;
using StreamPipeline.Cli;
using StreamPipeline.Data.Threading;
using StreamPipeline.Models;

// Before any torch work: libtorch's per-step CPU buffers are reused instead of mapped and faulted in again each step.
// glibc takes the arena limit only from its tunables at start, so the program runs itself again with them once.
NativeHeap.RunWithTunables();
NativeHeap.Tune();

var root = StreamPipelineCommand.Create();
args = StreamPipelineCommand.Normalize(args);

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // One clear line and exit 2 for bad usage, instead of the library's wall of help text. The library's message repeats
    // the offending token whole: shown as any other value is, start and end.
    Console.Error.WriteLine($"error: {StreamPipeline.Data.InputText.Show(parse.Errors[0].Message.ReplaceLineEndings(" "), 200)} (see --help)");
    return ExitCodes.BadInput;
}

// Ctrl-C / SIGTERM cancel the running command, which stops at the next safe point and leaves a resumable state; the
// exit code says which signal asked (130 for SIGINT, 143 for SIGTERM, as shells and schedulers read them).
// Never disposed: a signal that arrives while Main returns runs its handler on another thread after the registrations'
// disposal began, and a disposed source would throw there (seen: an unhandled ObjectDisposedException when Slurm's
// SIGTERM met a worker whose job had just finished). The process ends right after, which frees it.
var interrupt = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    if (interrupt.IsCancellationRequested)
    {
        // Again while stopping: quit now, as after kill -9 (the job resumes from its last commit), without a crash.
        Console.Error.WriteLine("\ninterrupt again: quitting now; the same command resumes from the last committed shard");
        ImmediateExit.Now(CommandRunner.StopExitCode);
    }
    CommandRunner.StopExitCode = ExitCodes.ForStop(context.Signal);
    Console.Error.WriteLine($"\n{(context.Signal == PosixSignal.SIGTERM ? "terminate" : "interrupt")}: stopping at the next safe point (again to quit at once)...");
    interrupt.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

// The command runs on the thread pool; this thread serves the torch work that borrows it (a CPU device worker, bench's
// bare loop, training, evaluation): on glibc only the main thread's heap reuses blocks above 64 MiB (MainThread).
return MainThread.Serve(() => parse.InvokeAsync(
    new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, interrupt.Token));
