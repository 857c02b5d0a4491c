using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Tests.TestData;

namespace StreamPipeline.Pipeline.Tests.Devices;

public class BatchSplitterTests
{
    private static readonly InMemoryDataset Data = new(100, new ImageShape(3, 2, 2));

    [Fact]
    public void Halves_of_a_request_hold_its_examples_start_images_and_pixels()
    {
        for (var n = 2; n < 12; n++)
        {
            var starts = Enumerable.Range(0, n).Select(i => 50L + i).ToArray();
            var startPixels = Enumerable.Range(0, n * 12).Select(i => i / 100f).ToArray();
            var request = new PerturbRequest(Data.ReadRange(10, n), starts, startPixels);

            var (first, second) = BatchSplitter.Split(request);

            Assert.Equal(request.Source.Indices, first.Source.Indices.Concat(second.Source.Indices));
            Assert.Equal(request.Source.Pixels, first.Source.Pixels.Concat(second.Source.Pixels));
            Assert.Equal(request.Source.Labels, first.Source.Labels.Concat(second.Source.Labels));
            Assert.Equal(starts, first.StartIndices!.Concat(second.StartIndices!));
            Assert.Equal(startPixels, first.StartPixels!.Concat(second.StartPixels!));
            Assert.InRange(first.Source.Count - second.Source.Count, 0, 1);
        }
    }

    [Fact]
    public void Results_that_do_not_match_their_request_row_for_row_are_rejected()
    {
        var request = new PerturbRequest(Data.ReadRange(0, 4));
        var good = ShiftPerturber.Apply(request, Data.Classes);
        BatchSplitter.CheckResult(request, good);

        var wrong = new[]
        {
            good with { Indices = [0, 1, 2] },
            good with { Indices = [0, 2, 1, 3] },
            good with { Pixels = good.Pixels[..^1] },
            good with { Success = [true] },
            good with { StartIndices = [1] },
        };

        Assert.All(wrong, w => Assert.Contains("perturber returned", Assert.Throws<InvalidOperationException>(() => BatchSplitter.CheckResult(request, w)).Message));
    }
}
