using StreamPipeline.Data.Tests.Parquet;

namespace StreamPipeline.Data.Tests.Fixtures;

/// <summary>The committed fixture files under tests/StreamPipeline.Data.Tests/Fixtures (read in place, never written).</summary>
internal static class FixtureFiles
{
    private static readonly string Root = Path.Combine(ShardTestData.RepoRoot(), "tests", "StreamPipeline.Data.Tests", "Fixtures");

    /// <summary>
    /// A complete det job (2 shards of 4 Fashion-MNIST rows, schema v1) written by the program before v2, at commit 48e83da:
    /// <c>build JOB --construction det --data fashion-mnist:train --limit 8 --shard-size 4 --steps 3</c>.
    /// </summary>
    public static string V1Job => Path.Combine(Root, "constructed-v1-job");

    /// <summary>A PNG or JPEG made by Pillow (images/make_images.py), as bytes.</summary>
    public static byte[] Image(string name) => File.ReadAllBytes(Path.Combine(Root, "images", name));

    /// <summary>Pillow's decoding of a fixture image: mode ("L" or "RGB"), width, height, interleaved H×W×C bytes.</summary>
    public static (string Mode, int Width, int Height, byte[] Pixels) DecodedByPillow(string name)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "images", "decoded-by-pillow.json")));
        var e = doc.RootElement.GetProperty(name);
        return (e.GetProperty("mode").GetString()!, e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32(),
            e.GetProperty("pixels").EnumerateArray().Select(p => (byte)p.GetInt32()).ToArray());
    }
}
