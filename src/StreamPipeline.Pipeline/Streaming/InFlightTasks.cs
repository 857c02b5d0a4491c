using System.Collections.Concurrent;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// The stage tasks still running. A failed or aborted stream stops waiting for its SelectAsync tasks, but a shard
/// write or a dataset read may still be going: the runner drains them before it returns, so no temporary file
/// outlives the run and the caller may dispose the dataset.
/// </summary>
internal sealed class InFlightTasks
{
    private readonly ConcurrentDictionary<Task, byte> _tasks = new();

    public Task<T> Track<T>(Task<T> task)
    {
        _tasks.TryAdd(task, 0);
        task.ContinueWith(t => _tasks.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    public async Task DrainAsync()
    {
        while (!_tasks.IsEmpty)
        {
            var pending = _tasks.Keys.ToArray();
            try
            {
                await Task.WhenAll(pending).ConfigureAwait(false);
            }
            catch
            {
                // Their failures already failed the stream; here only their end matters.
            }
            foreach (var task in pending)
                _tasks.TryRemove(task, out _);
        }
    }
}
