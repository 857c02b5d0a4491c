using Akka.Configuration;
using StreamPipeline.Configuration;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Tests.Configuration;

/// <summary>Valid HOCON keeps its meaning through SpecHocon: what Akka read right before reads the same, and what it read wrong now means what HOCON says.</summary>
public class SpecHoconTests
{
    public static TheoryData<string> ConfigFiles() =>
        new(Directory.GetFiles(Path.Combine(SpecHoconText.RepositoryRoot, "config"), "*.conf", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(SpecHoconText.RepositoryRoot, f)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(ConfigFiles))]
    public void Every_file_under_config_reads_exactly_as_Akka_reads_it(string file)
    {
        var path = Path.Combine(SpecHoconText.RepositoryRoot, file);
        var text = File.ReadAllText(path);

        var config = SpecHocon.ParseFile(path);

        Assert.False(config.IsEmpty);
        // Akka resolves an include only through a callback: relative to the including file, as SpecHocon does.
        var directory = Path.GetDirectoryName(path)!;
        Akka.Configuration.Hocon.HoconRoot Include(string name) =>
            Akka.Configuration.Hocon.Parser.Parse(File.ReadAllText(Path.Combine(directory, name)), Include);
        Assert.Equal(ConfigurationFactory.ParseString(text, Include).Root.ToString(), config.Root.ToString());
    }

    public static TheoryData<JobSpec> JobSpecs() =>
    [
        JobSpecLoader.Load(null, new JobSpecOverrides { Construction = ConstructionKind.Det, Model = "m.ckpt", Data = "fashion-mnist:train" }),
        JobSpecLoader.Load(null, new JobSpecOverrides
        {
            Construction = ConstructionKind.Robust, Model = "/models/robust model \"v2\" ünï+.ckpt", Data = "cifar10:/data/c 10:train",
            Limit = 123_456, BatchSize = 7, ShardSize = 1000, Devices = ["cuda:0", "cuda:1", "cpu"],
            Norm = ThreatModel.L2Unbounded, Eps = 0.5, StepSize = 1e-5, Steps = 1000, RandomStart = true, Seed = -42, StartMode = StartMode.Noise,
            MaxRetries = 0, MaxBatchesAhead = 1, Faults = new FaultInjection(3, 64, [0, 2]),
        }),
        JobSpecLoader.Load(null, new JobSpecOverrides { Construction = ConstructionKind.Rand, Model = "m\\n\t#{}", Data = "folder:/x", Seed = long.MinValue }),
    ];

    [Theory]
    [MemberData(nameof(JobSpecs))]
    public void Job_conf_written_by_a_build_reads_exactly_as_Akka_reads_it(JobSpec spec)
    {
        var text = spec.ToHocon();

        var config = SpecHocon.Parse(text, "job.conf");

        Assert.Equal(ConfigurationFactory.ParseString(text).Root.ToString(), config.Root.ToString());
    }

    [Theory]
    [InlineData("a = 1\nb : two\nc { d = 3 }")]
    [InlineData("a.b.c = 1\na.b.d = \"x y\"\na { e = [1, 2, 3] }")]
    [InlineData("# comment\n// comment\na = 0.5 # trailing\nb = \"#not a comment\"")]
    [InlineData("a = fashion mnist  run\nb = \"x\" y")]
    [InlineData("a = \"\"\"raw \\n \"quoted\" text\"\"\"")]
    [InlineData("a = \"caf\\u00e9 \\t tab\"\n\"quoted.key\" = 1")]
    [InlineData("a = [\n  1,\n  2\n  3,\n]\nb = []\nc = {}")]
    [InlineData("a { x = 1, y = 2 }\na { y = 3, z = 4 }")]
    [InlineData("a { x = 1 }\na = 5\nb = 5\nb { x = 1 }")]
    [InlineData("a = 1\nb = ${a}\nc = ${a} apples\nd { e = ${a} }")]
    [InlineData("a = [1, 2]\nb = ${a}\nc = [{ x = 1 }, { y = [true, false, null] }]")]
    [InlineData("a = 1\r\nb {\r\n  c = 2\r\n}\r\n")]
    [InlineData("{ \"a\": 1, \"b\": { \"c\": [1, 2.5, \"x\"] } }")]
    [InlineData("include-me = 1\nincluded = true")]
    public void Valid_hocon_reads_as_Akka_reads_it(string text)
    {
        Assert.Equal(ConfigurationFactory.ParseString(text).Root.ToString(), SpecHocon.Parse(text, "spec.conf").Root.ToString());
    }

    [Fact]
    public void Optional_substitution_of_an_unset_variable_does_not_create_the_field()
    {
        var config = SpecHocon.Parse("x = ${?NOPE_SPEC_HOCON_UNSET}\ny = 2", "spec.conf");

        Assert.False(config.HasPath("x"));
        Assert.Equal(["y"], config.Root.GetObject().Items.Keys);
    }

    [Fact]
    public void Optional_substitution_of_an_unset_variable_keeps_the_earlier_value()
    {
        var config = SpecHocon.Parse("limit = 16\nlimit = ${?NOPE_SPEC_HOCON_UNSET}\nattack { steps = 3 }\nattack = ${?NOPE_SPEC_HOCON_UNSET}", "spec.conf");

        Assert.Equal(16, config.GetInt("limit"));
        Assert.Equal(3, config.GetInt("attack.steps"));
    }

    [Fact]
    public void Optional_substitution_of_an_unset_variable_is_left_out_of_a_list_and_empty_in_a_string()
    {
        var config = SpecHocon.Parse("devices = [cpu, ${?NOPE_SPEC_HOCON_UNSET}, cpu]\nname = run-${?NOPE_SPEC_HOCON_UNSET}1", "spec.conf");

        Assert.Equal(["cpu", "cpu"], config.GetStringList("devices"));
        Assert.Equal("run-1", config.GetString("name"));
    }

    [Fact]
    public void Optional_substitution_of_a_set_path_takes_its_value()
    {
        var config = SpecHocon.Parse("base { steps = 7 }\nattack { steps = ${?base.steps} }", "spec.conf");

        Assert.Equal(7, config.GetInt("attack.steps"));
    }

    [Fact]
    public void Job_spec_setting_given_an_unset_optional_substitution_stays_at_its_default()
    {
        var spec = JobSpecLoader.Parse("construction = det\nmodel = m\ndata = d\nseed = ${?NOPE_SPEC_HOCON_UNSET}\nx = ${?NOPE_SPEC_HOCON_UNSET}\n" +
                                       "batch-size = ${?NOPE_SPEC_HOCON_UNSET}", source: "job.conf");

        var defaults = JobSpecLoader.Parse("construction = det\nmodel = m\ndata = d");
        Assert.Equal((defaults.Seed, defaults.BatchSize), (spec.Seed, spec.BatchSize));
    }

    [Fact]
    public void Substitution_falls_back_to_an_environment_variable_and_the_spec_wins_over_it()
    {
        var name = "SPEC_HOCON_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, "from \"the\" environment {]");
        try
        {
            var config = SpecHocon.Parse($"a = ${{{name}}}\nb = ${{?{name}}}\nc = ${{HOME_IN_SPEC}}\nHOME_IN_SPEC = spec", "spec.conf");

            Assert.Equal("from \"the\" environment {]", config.GetString("a"));
            Assert.Equal("from \"the\" environment {]", config.GetString("b"));
            Assert.Equal("spec", config.GetString("c"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Later_duplicate_key_wins_objects_merge_and_a_value_replaces_an_object()
    {
        var config = SpecHocon.Parse("a = 1\na = 2\nb { x = 1, y = 1 }\nb { y = 2 }\nc { x = 1 }\nc = 3\nd = 3\nd.x = 1", "spec.conf");

        Assert.Equal((2, 1, 2, 3, 1), (config.GetInt("a"), config.GetInt("b.x"), config.GetInt("b.y"), config.GetInt("c"), config.GetInt("d.x")));
    }

    [Fact]
    public void Key_set_many_times_through_substitutions_resolves_to_its_last_defined_value()
    {
        var text = "seed = 1\n" + string.Concat(Enumerable.Repeat("seed = ${?NOPE_SPEC_HOCON_UNSET}\n", 20_000)) +
                   "attack { eps = 1 }\n" + string.Concat(Enumerable.Repeat("attack = ${?NOPE_SPEC_HOCON_UNSET}\nattack = ${extra}\n", 5_000)) +
                   "extra { steps = 2 }";

        var config = SpecHocon.Parse(text, "spec.conf");

        Assert.Equal((1, 1.0, 2), (config.GetInt("seed"), config.GetDouble("attack.eps"), config.GetInt("attack.steps")));
    }

    [Fact]
    public void Value_after_objects_replaces_them_and_objects_after_a_value_replace_it()
    {
        var config = SpecHocon.Parse("o { x = 1 }\nv = 5\na { p = 1 }\na = ${v}\nb = ${v}\nb = ${o}\nb { y = 2 }", "spec.conf");

        Assert.Equal("5", config.GetString("a"));
        Assert.Equal((1, 2), (config.GetInt("b.x"), config.GetInt("b.y")));
    }

    [Fact]
    public void Substitution_of_an_object_merges_over_the_earlier_object()
    {
        var config = SpecHocon.Parse("preset { eps = 0.5, steps = 100 }\nattack { steps = 3, norm = l2 }\nattack = ${preset}", "spec.conf");

        Assert.Equal((0.5, 100, "l2"), (config.GetDouble("attack.eps"), config.GetInt("attack.steps"), config.GetString("attack.norm")));
    }

    [Fact]
    public void Concatenation_joins_strings_appends_lists_and_merges_objects()
    {
        var config = SpecHocon.Parse("x = 1\nl = [a]\no { p = 1 }\ns = ${x} and ${x}\nlist = ${l} [b] ${l}\nobj = ${o} { q = 2 }", "spec.conf");

        Assert.Equal("1 and 1", config.GetString("s"));
        Assert.Equal(["a", "b", "a"], config.GetStringList("list"));
        Assert.Equal((1, 2), (config.GetInt("obj.p"), config.GetInt("obj.q")));
    }

    [Fact]
    public void Byte_order_mark_and_crlf_line_ends_are_whitespace()
    {
        var config = SpecHocon.Parse("\uFEFFa = 1\r\nb = \"x\"\r\n", "spec.conf");

        Assert.Equal(["a", "b"], config.Root.GetObject().Items.Keys);
        Assert.Equal("x", config.GetString("b"));
    }

    [Fact]
    public void Unicode_spaces_and_the_separators_hocon_counts_as_whitespace_separate_like_spaces()
    {
        var config = SpecHocon.Parse("a\u001f=\u001c1\u00a0\nb\u2028=\u3000two words", "spec.conf");

        Assert.Equal(["a", "b"], config.Root.GetObject().Items.Keys);
        Assert.Equal(("1", "two words"), (config.GetString("a"), config.GetString("b")));
    }

    [Fact]
    public void Unicode_escapes_and_surrogate_pairs_decode()
    {
        var config = SpecHocon.Parse("a = \"\\u00e9\\uD83D\\uDE00\"\nb = \"é😀\"", "spec.conf");

        Assert.Equal("é😀", config.GetString("a"));
        Assert.Equal("é😀", config.GetString("b"));
    }

    [Fact]
    public void Triple_quoted_string_keeps_extra_closing_quotes_and_new_lines()
    {
        var config = SpecHocon.Parse("a = \"\"\"x\n\"y\"\"\"\"\"", "spec.conf");

        Assert.Equal("x\n\"y\"\"", config.GetString("a"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("# only a comment\n// and another")]
    [InlineData("{}")]
    public void Text_without_settings_is_an_empty_config(string text)
    {
        Assert.True(SpecHocon.Parse(text, "spec.conf").IsEmpty);
    }

    [Fact]
    public void Nesting_up_to_the_bound_is_accepted()
    {
        var objects = string.Concat(Enumerable.Repeat("a {", SpecHocon.MaxDepth - 1)) + " b = 1 " + new string('}', SpecHocon.MaxDepth - 1);
        var lists = "a = " + new string('[', SpecHocon.MaxDepth - 1) + "1" + new string(']', SpecHocon.MaxDepth - 1);

        Assert.Equal(1, SpecHocon.Parse(objects, "spec.conf").GetInt(string.Join('.', Enumerable.Repeat("a", SpecHocon.MaxDepth - 1)) + ".b"));
        Assert.True(SpecHocon.Parse(lists, "spec.conf").HasPath("a"));
    }
}
