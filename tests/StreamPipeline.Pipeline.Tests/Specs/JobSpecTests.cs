using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Tests.Specs;

public class JobSpecTests
{
    private const string Model = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static readonly JobSpec Base = JobSpecLoader.Parse("construction = det\nmodel = a.ckpt\ndata = \"fashion-mnist:train\"");

    private static JobSpec Changed(JobSpecOverrides overrides) => JobSpecLoader.Change(Base, overrides);

    [Fact]
    public void Spec_hash_ignores_how_the_work_is_done()
    {
        var variants = new[]
        {
            Changed(new() { Devices = ["cpu", "cpu"] }),
            Changed(new() { BatchSize = 7 }),
            Changed(new() { MaxRetries = 9 }),
            Changed(new() { MaxBatchesAhead = 1 }),
            Changed(new() { Faults = new FaultInjection(2, 3, [0]) }),
            Changed(new() { Model = "/elsewhere/same-model.ckpt" }),
            Changed(new() { StartMode = StartMode.Noise }), // inert for det
        };

        Assert.All(variants, v => Assert.NotEqual(Base, v));
        Assert.All(variants, v => Assert.Equal(Base.SpecHash(Model), v.SpecHash(Model)));
    }

    [Fact]
    public void Spec_hash_changes_with_every_setting_that_changes_the_output()
    {
        var variants = new (string Name, JobSpec Spec, string Model)[]
        {
            ("base", Base, Model),
            ("model", Base, Model.Replace('0', 'f')),
            ("construction", Changed(new() { Construction = ConstructionKind.Rand }), Model),
            ("data", Changed(new() { Data = "fashion-mnist:test" }), Model),
            ("limit", Changed(new() { Limit = 100 }), Model),
            ("shard-size", Changed(new() { ShardSize = 512 }), Model),
            ("norm", Changed(new() { Norm = ThreatModel.Linf }), Model),
            ("eps", Changed(new() { Eps = 0.25 }), Model),
            ("step-size", Changed(new() { StepSize = 0.05 }), Model),
            ("steps", Changed(new() { Steps = 99 }), Model),
            ("random-start", Changed(new() { RandomStart = true }), Model),
            ("seed", Changed(new() { Seed = 1 }), Model),
        };

        var hashes = variants.Select(v => (v.Name, Hash: v.Spec.SpecHash(v.Model))).ToArray();

        Assert.Equal(hashes.Length, hashes.Select(h => h.Hash).Distinct().Count());
        Assert.All(hashes, h => Assert.Matches("^[0-9a-f]{64}$", h.Hash));
    }

    [Fact]
    public void Start_mode_matters_and_eps_does_not_for_unbounded_representation_matching()
    {
        var robust = Changed(new() { Construction = ConstructionKind.Robust, Norm = ThreatModel.L2Unbounded, Eps = 0.5, StepSize = 0.1, Steps = 1000 });

        Assert.Equal(robust.SpecHash(Model), JobSpecLoader.Change(robust, new() { Eps = 3 }).SpecHash(Model));
        Assert.NotEqual(robust.SpecHash(Model), JobSpecLoader.Change(robust, new() { StartMode = StartMode.Noise }).SpecHash(Model));
    }

    [Fact]
    public void Specs_loaded_apart_from_the_same_settings_are_equal_with_equal_hash_codes()
    {
        using var dir = new TempDirectory();
        var file = dir.File("job.conf");
        File.WriteAllText(file, "construction = det\nmodel = a.ckpt\ndata = \"fashion-mnist:train\"\nbatch-size = 128\n");
        var fromFlags = JobSpecLoader.Load(null, new JobSpecOverrides { Construction = ConstructionKind.Det, Model = "a.ckpt", Data = "fashion-mnist:train" });
        var fromFile = JobSpecLoader.Load(file);

        Assert.NotSame(Base, fromFlags);
        Assert.True(Base.Equals(fromFlags) && fromFlags.Equals(fromFile) && Base.Equals((object)fromFile));
        Assert.True(Base == fromFile && !(Base != fromFlags));
        Assert.Equal(Base.GetHashCode(), fromFlags.GetHashCode());
        Assert.Equal(Base.GetHashCode(), fromFile.GetHashCode());
        Assert.Single(new HashSet<JobSpec> { Base, fromFlags, fromFile });
    }

    [Fact]
    public void Specs_differing_in_any_setting_are_not_equal()
    {
        var others = new[]
        {
            Changed(new() { Model = "b.ckpt" }),
            Changed(new() { Devices = ["cpu"] }),
            Changed(new() { Eps = 0.5000001 }),
            Changed(new() { Faults = new FaultInjection(0, 0, [0]) }),
            Changed(new() { Limit = 1 }),
        };

        Assert.All(others, o => Assert.False(Base.Equals(o) || Base == o || Base.Equals((object)o), o.ToCanonicalJson()));
        Assert.Equal(others.Length + 1, new HashSet<JobSpec>(others.Append(Base)).Count);
        Assert.False(Base.Equals(null) || Base == null || Base.Equals((object)Base.ToCanonicalJson()));
    }

    /// <summary>
    /// The hashes a resumed job's manifest holds from earlier releases: computed once (before JobSpec became loader-built)
    /// and written down here, so any change to what the hash covers, or how, fails this test rather than orphaning jobs.
    /// </summary>
    [Theory]
    [InlineData("construction = det\nmodel = \"models/standard.ckpt\"\ndata = \"fashion-mnist:train\"\nlimit = 1000\nshard-size = 256\nseed = 7\n" +
                "attack { norm = l2, eps = 0.25, step-size = 0.05, steps = 50, random-start = on }\nbatch-size = 32\ndevices = [cpu, cpu]",
        "0949c5e820e2d247c1d37f1d65dc1ac29dcefcd7d2dae4d3abeefc47dd46d3c9")]
    [InlineData("construction = robust\nmodel = \"models/robust.ckpt\"\ndata = \"cifar10:/data/c10:train\"\nshard-size = 1000\nseed = -42\n" +
                "start-mode = noise\nattack { norm = l2-unbounded, step-size = 0.1, steps = 1000 }",
        "84d3b5f9fa85191222f3397513c3efaed473c6c84693007af2c63ecc068489c9")]
    public void Spec_hash_of_a_fixed_spec_is_the_one_earlier_releases_wrote(string hocon, string expected)
    {
        Assert.Equal(expected, JobSpecLoader.Parse(hocon).SpecHash(Model));
    }

    [Fact]
    public void Job_conf_text_of_a_fixed_spec_is_the_one_earlier_releases_wrote()
    {
        var spec = JobSpecLoader.Parse("construction = robust\nmodel = \"models/robust.ckpt\"\ndata = \"cifar10:/data/c10:train\"\nlimit = 5000\n" +
                                       "devices = [\"cuda:0\", cpu]\nattack { norm = l2-unbounded, step-size = 0.1, steps = 1000 }\n" +
                                       "faults { fail-every-nth-batch = 5, failing-devices = [1] }");

        Assert.Equal("""
            # Resolved job spec, written by stream-pipeline build. Defaults: config/jobs/defaults.conf.
            attack {
              eps = 0.5
              norm = "l2-unbounded"
              random-start = false
              step-size = 0.1
              steps = 1000
            }
            batch-size = 128
            construction = "robust"
            data = "cifar10:/data/c10:train"
            devices = ["cuda:0","cpu"]
            faults {
              fail-every-nth-batch = 5
              failing-devices = [1]
              oom-above-batch-size = 0
            }
            limit = 5000
            max-batches-ahead = 4
            max-retries = 3
            model = "models/robust.ckpt"
            seed = 0
            shard-size = 1024
            start-mode = "other-image"

            """, spec.ToHocon());
    }

    [Fact]
    public void Canonical_json_is_compact_with_keys_in_ordinal_order()
    {
        Assert.Equal(
            """{"attack":{"eps":0.5,"norm":"l2","random-start":false,"step-size":0.1,"steps":100},"batch-size":128,"construction":"det","data":"fashion-mnist:train","devices":["auto"],"faults":{"fail-every-nth-batch":0,"failing-devices":[],"oom-above-batch-size":0},"limit":"all","max-batches-ahead":4,"max-retries":3,"model":"a.ckpt","seed":0,"shard-size":1024,"start-mode":"other-image"}""",
            Base.ToCanonicalJson());
    }

    [Fact]
    public void Output_fields_are_flattened_to_dotted_keys()
    {
        var fields = Base.OutputFields();

        Assert.Equal(["attack.eps", "attack.norm", "attack.random-start", "attack.step-size", "attack.steps", "construction", "data", "format", "limit", "seed", "shard-size"], fields.Keys);
        Assert.Equal("0.5", fields["attack.eps"]);
        Assert.Equal("\"det\"", fields["construction"]);
    }
}
