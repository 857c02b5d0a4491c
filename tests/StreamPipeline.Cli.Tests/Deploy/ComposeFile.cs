using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// A compose file as Compose reads it: YAML with anchors and merge keys (<c>&lt;&lt;: *worker</c>) resolved, every
/// service of every profile, variables at their defaults. The services that run the program are those whose image is
/// stream-pipeline (any tag): the image's entrypoint is the program, so their <c>command</c> is its arguments.
/// </summary>
public sealed class ComposeFile
{
    private static readonly Dictionary<string, string> NoVariables = new();

    private ComposeFile(string file, IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> services)
    {
        File = file;
        Services = services;
    }

    public string File { get; }

    /// <summary>Each service's settings, merge keys applied.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> Services { get; }

    public static ComposeFile Parse(string file, string text)
    {
        var yaml = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(new StringReader(text))))
                   ?? throw new InvalidDataException($"{file}: empty");
        if (yaml.GetValueOrDefault("services") is not Dictionary<object, object> services)
            throw new InvalidDataException($"{file}: no services");
        return new ComposeFile(file, services.ToDictionary(s => (string)s.Key, s => (IReadOnlyDictionary<string, object>)((Dictionary<object, object>)s.Value).ToDictionary(kv => (string)kv.Key, kv => kv.Value)));
    }

    /// <summary>A setting's text with its variables at their defaults (an unset variable without one is empty, as in Compose).</summary>
    public static string Expand(string value) => VariableDefaults.Expand(value, NoVariables, _ => "");

    /// <summary>The image of a service, expanded; null when it has none.</summary>
    public string? Image(string service) => Services[service].GetValueOrDefault("image") is string image ? Expand(image) : null;

    public IEnumerable<ProgramInvocation> Invocations()
    {
        foreach (var (name, service) in Services)
        {
            if (Image(name) is not { } image || !KubernetesManifests.IsProgramImage(image))
                continue;
            if (service.ContainsKey("entrypoint"))
                throw new InvalidDataException($"{File}: service {name} replaces the image's entrypoint (the program); its command would not be the program's arguments");
            var args = service.GetValueOrDefault("command") switch
            {
                List<object> list => list.Select(a => Expand((string)a)).ToList(),
                null => throw new InvalidDataException($"{File}: service {name} runs the image's default command (--help)"),
                var other => throw new InvalidDataException($"{File}: service {name}: write command as a list, not {other.GetType().Name} (a string is split by a shell's rules)"),
            };
            yield return new ProgramInvocation(File, $"service {name}", args);
        }
    }

    /// <summary>What a service mounts (short syntax SOURCE:TARGET[:ro]), expanded.</summary>
    public IReadOnlyList<(string Source, string Target, bool ReadOnly)> Mounts(string service) =>
        Services[service].GetValueOrDefault("volumes") is List<object> volumes
            ? volumes.Select(v => Expand((string)v).Split(':')).Select(p => (p[0], p[1], p.Length > 2 && p[2] == "ro")).ToList()
            : [];
}
