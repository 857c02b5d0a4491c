namespace StreamPipeline.Pipeline.Devices;

/// <summary>A batch kept failing on the devices after its retries; the job fails with this one-line message.</summary>
public sealed class BatchFailedException(BatchPlan batch, long pieceStart, int pieceCount, int attempts, string lastError)
    : Exception(Describe(batch, pieceStart, pieceCount, attempts, lastError))
{
    public BatchPlan Batch { get; } = batch;

    /// <summary>The failing part of the batch: the whole batch, or a half after out-of-memory splits.</summary>
    public long PieceStart { get; } = pieceStart;

    public int PieceCount { get; } = pieceCount;

    public int Attempts { get; } = attempts;

    public string LastError { get; } = lastError;

    private static string Describe(BatchPlan batch, long pieceStart, int pieceCount, int attempts, string lastError)
    {
        var piece = pieceStart == batch.Start && pieceCount == batch.Count ? "" : $" (its part [{pieceStart}, {pieceStart + pieceCount}) after out-of-memory splits)";
        return $"batch [{batch.Start}, {batch.End}) of shard {batch.Shard.Id}{piece} failed {attempts} times; last error: {lastError}";
    }
}
