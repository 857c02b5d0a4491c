using System.Runtime.ExceptionServices;

namespace StreamPipeline.Data.Threading;

/// <summary>
/// Lends the process's main thread to one piece of torch work at a time. Why: on glibc a thread's malloc arena grows in
/// heaps of at most 64 MiB, so a larger block (a ResNet-50 activation at batch 64 is 64 MiB plus its header) is mapped
/// afresh for every allocation and unmapped on free, whatever the heap tunables say: hundreds to thousands of page
/// faults a PGD step on a worker thread. Only the main thread's arena grows without that limit, so only there are such
/// blocks reused between steps. The program runs its command on the thread pool and keeps the main thread for this
/// (<see cref="Serve"/>); a CPU device worker, bench's bare loop, training and evaluation borrow it
/// (<see cref="TryBorrow"/>, <see cref="Run{T}"/>). Whoever cannot borrow it (a second CPU worker; a worker restarted
/// while the one it replaces still holds it; a process or a test that does not serve) runs on its own thread, as before.
/// </summary>
public static class MainThread
{
    private static readonly object Gate = new();
    private static readonly Queue<Action> Work = new();
    private static int _servingThread = -1;
    private static bool _open;
    private static int _lent;
    // Each Serve is a new generation: a loan of an earlier one never reaches a later one's thread or gives back its lease.
    private static int _generation;

    /// <summary>How long the process waits, once its command has ended, for lent work still running on the main thread.</summary>
    public static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="command"/> on the thread pool while the calling thread (the process's main thread) does nothing
    /// but serve borrowed work, one piece at a time, until the command completes; returns the command's exit code. The
    /// main thread waits for nothing else, so no borrower can wait on it in a circle. Work sent after the command ended
    /// runs on its sender's thread. A command that ended while lent work still runs here (a device worker the pool
    /// abandoned as hung) must not keep the process alive, as an abandoned worker's own thread never did: after
    /// <see cref="EndGrace"/> the process exits with the command's code (<paramref name="exit"/>; tests replace it).
    /// </summary>
    public static int Serve(Func<Task<int>> command, Action<int>? exit = null, TimeSpan? grace = null)
    {
        lock (Gate)
        {
            if (_servingThread != -1)
                throw new InvalidOperationException("the main thread is already being served");
            _servingThread = Environment.CurrentManagedThreadId;
            _generation++;
            _lent = 0;
            _open = true;
        }
        try
        {
            var task = Task.Run(command);
            using var served = new CancellationTokenSource();
            var wait = grace ?? EndGrace;
            task.ContinueWith(_ => { lock (Gate) Monitor.PulseAll(Gate); }, TaskContinuationOptions.ExecuteSynchronously);
            var token = served.Token;
            task.ContinueWith(async ended =>
            {
                try
                {
                    await Task.Delay(wait, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                Console.Error.WriteLine($"stream-pipeline: work lent to the main thread still runs {wait.TotalSeconds:0.#} s after the command ended; exiting without it");
                (exit ?? Environment.Exit)(ended.IsCompletedSuccessfully ? ended.Result : 1);
            }, TaskScheduler.Default);
            while (true)
            {
                Action next;
                lock (Gate)
                {
                    while (Work.Count == 0 && !task.IsCompleted) Monitor.Wait(Gate);
                    if (Work.Count == 0)
                    {
                        _open = false;
                        break;
                    }
                    next = Work.Dequeue();
                }
                next(); // never throws: each item hands its exception to its sender
            }
            served.Cancel();
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            lock (Gate)
            {
                _open = false;
                _servingThread = -1;
            }
        }
    }

    /// <summary>True on the thread that is serving (inside <see cref="Serve"/>).</summary>
    public static bool IsCurrent
    {
        get
        {
            lock (Gate) return _servingThread == Environment.CurrentManagedThreadId;
        }
    }

    /// <summary>The main thread for the caller's use until the loan is disposed; null where it is not served or already lent.</summary>
    public static MainThreadLoan? TryBorrow()
    {
        lock (Gate)
        {
            if (!_open || _lent != 0) return null;
            _lent = 1;
            return new MainThreadLoan(_generation);
        }
    }

    /// <summary>
    /// <see cref="TryBorrow"/> for the torch work of one device: only the CPU's tensors live in glibc's heap, so only
    /// <c>cpu</c> borrows (an accelerator's memory has its own caching allocator).
    /// </summary>
    public static MainThreadLoan? TryBorrowFor(string device) =>
        device.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase) ? TryBorrow() : null;

    /// <summary>Runs <paramref name="work"/> on the main thread when it can be borrowed now, else on the calling thread.</summary>
    public static T Run<T>(Func<T> work)
    {
        if (IsCurrent) return work();
        using var loan = TryBorrow();
        return loan is null ? work() : loan.Run(work);
    }

    internal static void Return(int generation)
    {
        lock (Gate)
            if (generation == _generation)
                _lent = 0;
    }

    /// <summary>Runs <paramref name="work"/> on the serving thread and waits for it; on the caller's thread once serving ended.</summary>
    internal static T Send<T>(Func<T> work, int generation)
    {
        if (IsCurrent) return work();
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        using var done = new ManualResetEventSlim();
        lock (Gate)
        {
            if (!_open || generation != _generation) return work();
            Work.Enqueue(() =>
            {
                try
                {
                    result = work();
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
                finally
                {
                    done.Set();
                }
            });
            Monitor.PulseAll(Gate);
        }
        done.Wait();
        failure?.Throw();
        return result;
    }
}
