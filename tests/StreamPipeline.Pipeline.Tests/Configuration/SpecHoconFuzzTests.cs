using System.Text;
using StreamPipeline.Configuration;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Tests.TestData;

namespace StreamPipeline.Pipeline.Tests.Configuration;

/// <summary>
/// Thousands of seeded random edits of real specs (inserted HOCON punctuation, NULs, includes, substitutions; deleted and
/// repeated spans) each end as a config or as one <c>spec FILE: ...</c> line, never as another exception; and the
/// deepest inputs the bounds allow parse on a thread with a small stack.
/// </summary>
public sealed class SpecHoconFuzzTests : IDisposable
{
    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", "\"", "\"\"\"", "${", "${?", "${seed}", "${?NOPE}", "${a.b}", "=", ":", "+=", ",", ".", "\n", "\r\n",
        "#", "//", "\\", "\\u", "\\uD800", "\0", "\u0001", "\uFEFF", " ", "\t", "a", "a.b", "include \"loop.conf\"", "include \"missing.conf\"",
        "include \"ok.conf\"", "include url(\"http://x\")", "include file(\"ok.conf\")", "$", "?", "null", "[[[[", "}}}}", "a = ${a}",
    ];

    private readonly TempDirectory _dir = new();

    public SpecHoconFuzzTests()
    {
        File.WriteAllText(_dir.File("loop.conf"), "include \"fuzz.conf\"\n");
        File.WriteAllText(_dir.File("ok.conf"), "seed = 5\na { b = 1 }\n");
    }

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Seeds()
    {
        var root = SpecHoconText.RepositoryRoot;
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "config"), "*.conf", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, file));
        data.Add("(job.conf)");
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_edits_of_a_spec_end_as_a_config_or_one_line(string seedFile)
    {
        var original = seedFile == "(job.conf)"
            ? JobSpecLoader.Load(null, new JobSpecOverrides { Construction = ConstructionKind.Robust, Model = "m.ckpt", Data = "cifar10:/d:train", Devices = ["cpu", "cpu"] }).ToHocon()
            : File.ReadAllText(Path.Combine(SpecHoconText.RepositoryRoot, seedFile));
        // A stable hash of the name (string.GetHashCode differs per process), so a failing round can be replayed.
        var random = new Random(seedFile.Aggregate(17, (h, c) => unchecked((h * 31) + c)) & 0x7fffffff);
        var file = _dir.File("fuzz.conf");

        for (var round = 0; round < 300; round++)
        {
            var text = Mutate(original, random, edits: 1 + random.Next(6));
            try
            {
                var config = SpecHocon.Parse(text, file);
                // What the loaders do with a config must work on anything SpecHocon accepts.
                _ = config.Root.ToString();
                _ = JobSpecLoader.Parse(text, source: file);
            }
            catch (ArgumentException e)
            {
                Assert.True(!e.Message.Contains('\n') && e.Message.Length < 1000, $"round {round}: not one short line: {e.Message}");
                // A problem inside an included file names that file, and the spec in "(included from ...)".
                Assert.True(e.Message.StartsWith("spec ", StringComparison.Ordinal) || e.Message.StartsWith("job spec ", StringComparison.Ordinal),
                    $"round {round}: {e.Message}");
                Assert.Contains(file, e.Message);
            }
            catch (Exception e)
            {
                Assert.Fail($"round {round}: {e.GetType().Name}: {e.Message}\ntext: {Escape(text)}");
            }
        }
    }

    private static string Mutate(string text, Random random, int edits)
    {
        var result = new StringBuilder(text);
        for (var i = 0; i < edits; i++)
        {
            var at = random.Next(result.Length + 1);
            switch (random.Next(4))
            {
                case 0 or 1:
                    result.Insert(at, Fragments[random.Next(Fragments.Length)]);
                    break;
                case 2 when result.Length > 0:
                    var start = random.Next(result.Length);
                    result.Remove(start, Math.Min(result.Length - start, 1 + random.Next(20)));
                    break;
                default:
                    var from = random.Next(result.Length + 1);
                    var length = Math.Min(result.Length - from, random.Next(40));
                    result.Insert(at, result.ToString(from, length));
                    break;
            }
        }
        return result.ToString();
    }

    private static string Escape(string text) => string.Concat(text.Select(c => c < ' ' && c != '\n' ? $"\\u{(int)c:x4}" : c.ToString()));

    [Fact]
    public void Deepest_inputs_the_bounds_allow_parse_on_a_thread_with_a_one_mebibyte_stack()
    {
        // .NET gives secondary threads 1.5 MiB: the bounds must leave the parser, the resolver and Akka's reading of
        // the result well inside that (a stack overflow would end the whole test run, not just fail this test).
        for (var i = 0; i < SpecHocon.MaxIncludeDepth; i++)
            File.WriteAllText(_dir.File($"level{i}.conf"), i + 1 < SpecHocon.MaxIncludeDepth ? $"include \"level{i + 1}.conf\"\nl{i} = {i}" : "end = true");
        var depth = SpecHocon.MaxDepth - 1;
        var inputs = new[]
        {
            string.Concat(Enumerable.Repeat("a {", depth)) + " b = 1 " + new string('}', depth),
            "a = " + new string('[', depth) + "1" + new string(']', depth),
            string.Join('.', Enumerable.Repeat("k", depth)) + " = 1",
            string.Join('\n', Enumerable.Range(0, 200).Select(i => $"a{i} = ${{a{i + 1}}}")) + "\na200 = 1",
            string.Join('\n', Enumerable.Range(0, 60).Select(i => $"a{i} {{ x = ${{a{i + 1}}} }}")) + "\na60 = 1",
            "include \"level0.conf\"",
        };
        var outcomes = new string[inputs.Length];
        var thread = new Thread(() =>
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                try
                {
                    outcomes[i] = SpecHocon.Parse(inputs[i], _dir.File("deep.conf")).Root.ToString().Length > 0 ? "parsed" : "empty";
                }
                catch (ArgumentException e)
                {
                    outcomes[i] = e.Message;
                }
            }
        }, maxStackSize: 1 << 20);
        thread.Start();
        thread.Join();

        Assert.All(outcomes, outcome => Assert.Equal("parsed", outcome));
    }
}
