using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Tests.Specs;

public class JobSpecLoaderTests
{
    private const string Minimal = """
        construction = det
        model = "models/standard.ckpt"
        data = "fashion-mnist:train"
        """;

    [Fact]
    public void Loader_fills_every_unset_setting_from_the_documented_defaults()
    {
        var spec = JobSpecLoader.Parse(Minimal);

        Assert.Equal(JobSpecLoader.Load(null, new JobSpecOverrides { Construction = ConstructionKind.Det, Model = "models/standard.ckpt", Data = "fashion-mnist:train" }), spec);
        Assert.Equal((128, 1024, 3, 4, 0L, (long?)null), (spec.BatchSize, spec.ShardSize, spec.MaxRetries, spec.MaxBatchesAhead, spec.Seed, spec.Limit));
        Assert.Equal(["auto"], spec.Devices);
        Assert.Equal(new AttackSettings(ThreatModel.L2, 0.5, 0.1, 100), spec.Attack);
        Assert.Equal(StartMode.OtherImage, spec.StartMode);
        Assert.False(spec.Faults.IsActive);
    }

    [Fact]
    public void Loader_reads_nested_attack_and_fault_settings()
    {
        var spec = JobSpecLoader.Parse(Minimal + """

            construction = robust
            limit = 5000
            devices = ["cuda:0", "cuda:1"]
            attack { norm = l2-unbounded, step-size = 0.05, steps = 1000, random-start = on }
            seed = 7
            start-mode = noise
            faults { fail-every-nth-batch = 5, oom-above-batch-size = 64, failing-devices = [1] }
            """);

        Assert.Equal(ConstructionKind.Robust, spec.Construction);
        Assert.Equal(5000, spec.Limit);
        Assert.Equal(["cuda:0", "cuda:1"], spec.Devices);
        Assert.Equal((ThreatModel.L2Unbounded, 0.05, 1000, true), (spec.Attack.Norm, spec.Attack.StepSize, spec.Attack.Steps, spec.Attack.RandomStart));
        Assert.Equal((7L, StartMode.Noise), (spec.Seed, spec.StartMode));
        Assert.Equal((5, 64), (spec.Faults.FailEveryNthBatch, spec.Faults.OomAboveBatchSize));
        Assert.Equal([1], spec.Faults.FailingDevices);
    }

    [Fact]
    public void Flags_override_the_spec_file()
    {
        using var dir = new TempDirectory();
        var file = dir.File("job.conf");
        File.WriteAllText(file, Minimal + "\nbatch-size = 64\nlimit = 10\nattack.eps = 0.25\n");

        var spec = JobSpecLoader.Load(file, new JobSpecOverrides
        {
            BatchSize = 32, Eps = 1.5, Devices = ["cpu", "cpu"], Construction = ConstructionKind.Rand, AllExamples = true,
        });

        Assert.Equal((32, 1.5, ConstructionKind.Rand, (long?)null), (spec.BatchSize, spec.Attack.Eps, spec.Construction, spec.Limit));
        Assert.Equal(["cpu", "cpu"], spec.Devices);
        Assert.Equal("fashion-mnist:train", spec.Data);
    }

    [Fact]
    public void Flags_alone_make_a_spec_without_a_file()
    {
        var spec = JobSpecLoader.Load(null, new JobSpecOverrides { Construction = ConstructionKind.NonRobust, Model = "m.ckpt", Data = "idx:a,b", Limit = 100, Norm = ThreatModel.L2Unbounded });

        Assert.Equal((ConstructionKind.NonRobust, "m.ckpt", "idx:a,b", (long?)100), (spec.Construction, spec.Model, spec.Data, spec.Limit));
    }

    [Theory]
    [InlineData("batch-size = 0", "batch-size = 0 must be between")]
    [InlineData("batch-size = abc", "batch-size must be a whole number, got 'abc'")]
    [InlineData("attack.steps = [1, 2]", "attack.steps must be a whole number, got a list")]
    [InlineData("attack.steps = { n = 1 }", "attack.steps must be a whole number, got an object")]
    [InlineData("attack.eps = [0.5]", "attack.eps must be a number, got a list")]
    [InlineData("attack.eps = \"half\"", "attack.eps must be a number, got 'half'")]
    [InlineData("construction = [det]", "construction must be a single value, got a list")]
    [InlineData("shard-size = -3", "shard-size = -3")]
    [InlineData("limit = -5", "limit = -5 must be positive")]
    [InlineData("construction = dett", "construction 'dett' is not one of det|rand|robust|nonrobust")]
    [InlineData("devices = [gpu]", "devices: 'gpu' is not a device")]
    [InlineData("devices = [auto, cpu]", "'auto' cannot be combined")]
    [InlineData("attack.eps = -1", "attack.eps = -1 must be a positive number")]
    [InlineData("attack { norm = l3 }", "attack.norm 'l3' is not one of l2|linf|l2-unbounded")]
    [InlineData("attack.norm = l2-unbounded", "l2-unbounded is for robust/nonrobust")]
    [InlineData("attack.steps = 0", "attack.steps = 0")]
    [InlineData("start-mode = zeros", "start-mode 'zeros' is not one of other-image|noise")]
    [InlineData("max-batches-ahead = 0", "max-batches-ahead = 0")]
    [InlineData("max-retries = -1", "max-retries = -1")]
    [InlineData("faults.failing-devices = [3]", "faults.failing-devices: 3 is not an index into devices")]
    [InlineData("attack.stepsize = 0.1", "unknown setting 'attack.stepsize'")]
    [InlineData("batch_size = 2", "unknown setting 'batch_size'")]
    [InlineData("faults.failing-devices = [first]", "faults.failing-devices must be a whole number, got 'first'")]
    public void Bad_values_are_refused_with_one_line_naming_the_setting(string line, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => JobSpecLoader.Parse(Minimal + "\n" + line, source: "bad.conf"));

        Assert.StartsWith("job spec bad.conf: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("construction", "--construction")]
    [InlineData("model", "--model")]
    [InlineData("data", "--data")]
    public void Missing_required_setting_is_refused_naming_its_flag(string missing, string flag)
    {
        var hocon = string.Join('\n', Minimal.Split('\n').Where(l => !l.StartsWith(missing, StringComparison.Ordinal)));

        var error = Assert.Throws<ArgumentException>(() => JobSpecLoader.Parse(hocon));

        Assert.Contains($"{missing} is required", error.Message);
        Assert.Contains(flag, error.Message);
    }

    [Fact]
    public void Missing_spec_file_is_refused_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => JobSpecLoader.Load("/nonexistent/job.conf"));

        Assert.Equal("job spec /nonexistent/job.conf: file not found", error.Message);
    }

    [Fact]
    public void Change_equals_loading_the_job_conf_with_the_same_flags()
    {
        using var dir = new TempDirectory();
        var file = dir.File("job.conf");
        File.WriteAllText(file, Minimal + "\nlimit = 10\ndevices = [cpu, cpu]\nattack { eps = 0.25, steps = 7 }\nfaults.failing-devices = [1]\n");
        var flags = new JobSpecOverrides
        {
            Construction = ConstructionKind.Rand, AllExamples = true, BatchSize = 32, Devices = ["cuda:0", "cuda:1"], Norm = ThreatModel.Linf,
            StepSize = 0.01, Seed = 9, MaxRetries = 0,
        };

        var changed = JobSpecLoader.Change(JobSpecLoader.Load(file), flags);

        var loaded = JobSpecLoader.Load(file, flags);
        Assert.Equal(loaded.ToCanonicalJson(), changed.ToCanonicalJson());
        Assert.Equal(loaded, changed);
        Assert.Equal((ConstructionKind.Rand, (long?)null, 0.25, 7, ThreatModel.Linf), (changed.Construction, changed.Limit, changed.Attack.Eps, changed.Attack.Steps, changed.Attack.Norm));
    }

    [Fact]
    public void Change_without_overrides_gives_an_equal_spec()
    {
        var spec = JobSpecLoader.Parse(Minimal + "\nseed = 3\nattack.step-size = 0.0123456789");

        Assert.Equal(spec, JobSpecLoader.Change(spec, JobSpecOverrides.None));
    }

    public static TheoryData<JobSpecOverrides, string> InvalidChanges() => new()
    {
        { new JobSpecOverrides { BatchSize = 0 }, "batch-size = 0 must be between 1 and 1048576" },
        { new JobSpecOverrides { Norm = ThreatModel.L2Unbounded }, "attack.norm = l2-unbounded is for robust/nonrobust; det needs an eps-ball (l2 or linf)" },
        { new JobSpecOverrides { Devices = ["cpu"] }, "faults.failing-devices: 1 is not an index into devices (0..0)" },
        { new JobSpecOverrides { Devices = ["auto", "cpu"], Faults = FaultInjection.None }, "devices: 'auto' cannot be combined with other devices" },
    };

    [Theory]
    [MemberData(nameof(InvalidChanges))]
    public void Change_to_an_invalid_value_is_refused_with_the_loaders_one_line(JobSpecOverrides overrides, string expected)
    {
        var spec = JobSpecLoader.Parse(Minimal + "\ndevices = [cpu, cpu]\nfaults.failing-devices = [1]");

        var changed = Assert.Throws<ArgumentException>(() => JobSpecLoader.Change(spec, overrides, source: "(resolved devices)"));
        var loaded = Assert.Throws<ArgumentException>(() => JobSpecLoader.Parse(spec.ToHocon(), overrides, source: "(resolved devices)"));

        Assert.Equal("job spec (resolved devices): " + expected, changed.Message);
        Assert.Equal(loaded.Message, changed.Message);
    }

    public static TheoryData<JobSpec> VariedSpecs() =>
    [
        JobSpecLoader.Load(null, new JobSpecOverrides { Construction = ConstructionKind.Det, Model = "m.ckpt", Data = "fashion-mnist:train" }),
        JobSpecLoader.Load(null, new JobSpecOverrides
        {
            Construction = ConstructionKind.Robust, Model = "/models/robust model \"v2\" ünï+.ckpt", Data = "cifar10:/data/c 10:train",
            Limit = 123_456, BatchSize = 7, ShardSize = 1000, Devices = ["cuda:0", "cuda:1", "cpu"],
            Norm = ThreatModel.L2Unbounded, Eps = 0.5, StepSize = 1e-5, Steps = 1000, RandomStart = true, Seed = -42, StartMode = StartMode.Noise,
            MaxRetries = 0, MaxBatchesAhead = 1, Faults = new FaultInjection(3, 64, [0, 2]),
        }),
        JobSpecLoader.Load(null, new JobSpecOverrides
        {
            Construction = ConstructionKind.Rand, Model = "m", Data = "folder:/x", Norm = ThreatModel.Linf, Eps = 8.0 / 255, StepSize = 2.0 / 255, Steps = 7,
            Seed = long.MaxValue,
        }),
    ];

    [Theory]
    [MemberData(nameof(VariedSpecs))]
    public void Job_conf_text_reads_back_to_an_equal_spec(JobSpec spec)
    {
        var hocon = spec.ToHocon();

        var read = JobSpecLoader.Parse(hocon, source: "job.conf");

        Assert.Equal(spec.ToCanonicalJson(), read.ToCanonicalJson());
        Assert.Equal(spec, read);
    }
}
