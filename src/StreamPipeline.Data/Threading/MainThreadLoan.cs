namespace StreamPipeline.Data.Threading;

/// <summary>The main thread, borrowed (<see cref="MainThread.TryBorrow"/>): work sent through it runs there; dispose to give it back.</summary>
public sealed class MainThreadLoan : IDisposable
{
    private readonly int _generation;
    private int _returned;

    internal MainThreadLoan(int generation) => _generation = generation;

    /// <summary>Runs <paramref name="work"/> on the main thread and waits for it; its exception is rethrown here.</summary>
    public T Run<T>(Func<T> work)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _returned) != 0, this);
        return MainThread.Send(work, _generation);
    }

    /// <summary>Runs <paramref name="work"/> on the main thread and waits for it.</summary>
    public void Run(Action work) => Run(() =>
    {
        work();
        return true;
    });

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0) MainThread.Return(_generation);
    }
}
