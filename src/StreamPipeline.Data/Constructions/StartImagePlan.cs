namespace StreamPipeline.Data.Constructions;

/// <summary>
/// Which training image each example of representation matching starts from: a seeded permutation π of [0, N)
/// with no fixed point (π(i) ≠ i), computed once per job from (seed, N) alone.
/// </summary>
public sealed class StartImagePlan
{
    private readonly int[] _start;

    private StartImagePlan(int[] start)
    {
        _start = start;
    }

    public int Count => _start.Length;

    public static StartImagePlan Create(int count, long seed)
    {
        if (count < 2)
            throw new ArgumentException($"a start-image plan needs at least 2 images to avoid starting from the image itself, got {count}", nameof(count));
        var permutation = new int[count];
        for (var i = 0; i < count; i++)
            permutation[i] = i;
        var random = new ExampleRandom(seed, count, RandomPurpose.StartPermutation);
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }
        // Swapping a fixed point with its neighbour's value creates no new one: π(i+1) ≠ i because π(i) = i,
        // and the neighbour then holds i ≠ i+1. About one fixed point is expected, so π barely changes.
        for (var i = 0; i < count; i++)
        {
            if (permutation[i] != i)
                continue;
            var k = (i + 1) % count;
            (permutation[i], permutation[k]) = (permutation[k], permutation[i]);
        }
        return new StartImagePlan(permutation);
    }

    /// <summary>The source index of the start image x0 for example <paramref name="index"/>.</summary>
    public long StartIndexOf(long index)
    {
        if (index < 0 || index >= _start.Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"outside [0, {_start.Length})");
        return _start[index];
    }
}
