using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Tests.Specs;

public class ExampleSpecTests
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StreamPipeline.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("StreamPipeline.sln not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Examples() =>
        new(Directory.GetFiles(Path.Combine(RepoRoot(), "config", "jobs"), "*.conf").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_job_spec_in_config_jobs_loads_and_validates(string file)
    {
        var path = Path.Combine(RepoRoot(), "config", "jobs", file);

        if (file == "defaults.conf")
        {
            // The defaults leave the required settings to the job.
            Assert.Contains("construction is required", Assert.Throws<ArgumentException>(() => JobSpecLoader.Load(path)).Message);
            return;
        }
        var spec = JobSpecLoader.Load(path);
        Assert.False(string.IsNullOrEmpty(spec.Model));
    }

    [Fact]
    public void Embedded_defaults_are_the_file_in_config_jobs()
    {
        var file = Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(RepoRoot(), "config", "jobs", "defaults.conf")));

        Assert.Equal(file.ToString(), JobSpecLoader.Defaults.ToString());
    }

    [Fact]
    public void Representation_matching_examples_use_the_unbounded_norm()
    {
        foreach (var name in new[] { "robust-fashion-mnist.conf", "nonrobust-fashion-mnist.conf" })
        {
            var spec = JobSpecLoader.Load(Path.Combine(RepoRoot(), "config", "jobs", name));
            Assert.True(spec.Construction.IsRepresentationMatching());
            Assert.Equal(ThreatModel.L2Unbounded, spec.Attack.Norm);
        }
        Assert.Equal(ConstructionKind.Det, JobSpecLoader.Load(Path.Combine(RepoRoot(), "config", "jobs", "det-cifar10.conf")).Construction);
    }
}
