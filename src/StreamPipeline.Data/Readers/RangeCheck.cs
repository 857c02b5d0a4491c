namespace StreamPipeline.Data.Readers;

/// <summary>Argument checks shared by the readers.</summary>
internal static class RangeCheck
{
    /// <summary>Throws unless [start, start + count) lies within [0, total).</summary>
    public static void Validate(long start, int count, long total)
    {
        if (start < 0 || start > total)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"start must be in [0, {total}]");
        if (count < 0 || count > total - start)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"start + count must be in [start, {total}] (start {start})");
    }

    /// <summary>The example count after an optional limit, which must be positive.</summary>
    public static long Limited(long total, long? limit)
    {
        if (limit is < 1)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be at least 1");
        return limit is { } n ? Math.Min(total, n) : total;
    }
}
