using Akka.Configuration;
using StreamPipeline.Configuration;

namespace StreamPipeline.Pipeline.Specs;

/// <summary>
/// The values of config/jobs/defaults.conf as a spec (with placeholder construction, model and data, which have no
/// default): what a <see cref="JobSpec"/> property takes when an initializer leaves it out. Read once, from the file,
/// by the loader itself.
/// </summary>
internal static class JobDefaults
{
    [ThreadStatic]
    private static bool _building;

    private static readonly Lazy<JobSpec> Defaults = new(() =>
    {
        // The loader builds a JobSpec, whose property initializers ask for these very defaults; while building, they get
        // null (and the loader then sets every property from the file anyway).
        _building = true;
        try
        {
            return JobSpecLoader.Build(
                SpecConfig.Over(Config.Empty, EmbeddedDefaults.Job, "config/jobs/defaults.conf", "job defaults", JobSpecLoader.RequiredPaths),
                new JobSpecOverrides { Construction = ConstructionKind.Det, Model = "(none)", Data = "(none)" });
        }
        finally
        {
            _building = false;
        }
    });

    /// <summary>The defaults, or null while they are being read.</summary>
    public static JobSpec? Spec => _building ? null : Defaults.Value;
}
