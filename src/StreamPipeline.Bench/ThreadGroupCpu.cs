namespace StreamPipeline.Bench;

/// <summary>
/// A phase's processor time split by thread group. <see cref="EndedSeconds"/> is what the process used but no thread alive
/// at the end of the phase accounts for (threads that ended inside it), so the parts add up to the process's total;
/// thread times are counted in 1/100 s, so each part is exact to about that per thread.
/// </summary>
public sealed record ThreadGroupCpu(double TorchSeconds, double DotnetPoolSeconds, double GcSeconds, double OtherSeconds, double EndedSeconds)
{
    public static ThreadGroupCpu Between(
        IReadOnlyDictionary<int, (string Name, double Seconds)> start, IReadOnlyDictionary<int, (string Name, double Seconds)> end, TimeSpan processCpu)
    {
        var groups = new double[Enum.GetValues<ThreadGroup>().Length];
        foreach (var (tid, (name, seconds)) in end)
        {
            // A thread id reused by a new thread reads lower than before: count the new thread from zero.
            var before = start.TryGetValue(tid, out var s) && s.Seconds <= seconds ? s.Seconds : 0;
            groups[(int)ThreadCpu.GroupOf(name)] += seconds - before;
        }
        var ended = processCpu.TotalSeconds - groups.Sum();
        return new ThreadGroupCpu(groups[(int)ThreadGroup.Torch], groups[(int)ThreadGroup.DotnetPool], groups[(int)ThreadGroup.Gc], groups[(int)ThreadGroup.Other],
            Math.Max(0, ended));
    }
}
