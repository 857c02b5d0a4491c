namespace StreamPipeline.Attacks.Tests;

public sealed class StartImagePlanTests
{
    [Fact]
    public void Plan_is_a_permutation_without_fixed_points_for_many_sizes_and_seeds()
    {
        for (var count = 2; count <= 40; count++)
        {
            for (var seed = 0; seed < 25; seed++)
            {
                var plan = StartImagePlan.Create(count, seed);
                var starts = Enumerable.Range(0, count).Select(i => plan.StartIndexOf(i)).ToArray();
                Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), starts.Order());
                Assert.All(Enumerable.Range(0, count), i => Assert.NotEqual(i, starts[i]));
            }
        }
    }

    [Fact]
    public void Plan_for_a_million_images_is_a_derangement_and_repeatable()
    {
        const int count = 1_000_000;
        var plan = StartImagePlan.Create(count, 2024);
        var again = StartImagePlan.Create(count, 2024);
        var other = StartImagePlan.Create(count, 2025);
        var seen = new bool[count];
        var sameAsOther = 0;
        for (var i = 0; i < count; i++)
        {
            var s = plan.StartIndexOf(i);
            Assert.NotEqual(i, s);
            Assert.False(seen[s]);
            seen[s] = true;
            Assert.Equal(s, again.StartIndexOf(i));
            if (s == other.StartIndexOf(i))
                sameAsOther++;
        }
        // Two independent permutations agree at about one position.
        Assert.InRange(sameAsOther, 0, 10);
    }

    [Fact]
    public void Plan_refuses_fewer_than_two_images_and_indices_outside_the_dataset()
    {
        Assert.Throws<ArgumentException>(() => StartImagePlan.Create(1, 0));
        var plan = StartImagePlan.Create(10, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.StartIndexOf(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.StartIndexOf(-1));
    }
}
