using k8s;
using k8s.Models;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// deploy/kubernetes/*.yaml read by the Kubernetes client library (strictly: an unknown field, a misspelt key or a
/// wrong type is an error, as the API server would refuse it), with each workload's pod template. Containers whose
/// image is stream-pipeline run the program: the image's entrypoint is the program, so their args are its arguments.
/// </summary>
public sealed class KubernetesManifests
{
    private KubernetesManifests(IReadOnlyList<(string File, object Object)> objects) => Objects = objects;

    public IReadOnlyList<(string File, object Object)> Objects { get; }

    public static KubernetesManifests Load(IEnumerable<(string File, string Text)> files) =>
        new(files.SelectMany(f => LoadFile(f.File, f.Text).Select(o => (f.File, o))).ToList());

    private static List<object> LoadFile(string file, string text)
    {
        try
        {
            return KubernetesYaml.LoadAllFromString(text, null, true);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{file}: not Kubernetes objects: {e.Message} (line {e.Start.Line})", e);
        }
    }

    /// <summary>The image runs the program: stream-pipeline, from any registry, with any tag.</summary>
    public static bool IsProgramImage(string image)
    {
        var name = image.Split('@')[0];
        var lastSlash = name.LastIndexOf('/');
        var repository = name[(lastSlash + 1)..].Split(':')[0];
        return repository == "stream-pipeline";
    }

    public IEnumerable<T> OfKind<T>() => Objects.Select(o => o.Object).OfType<T>();

    /// <summary>Every workload's pod template: (file, "Kind name", template).</summary>
    public IEnumerable<(string File, string Workload, V1PodTemplateSpec Template)> PodTemplates()
    {
        foreach (var (file, o) in Objects)
        {
            var template = o switch
            {
                V1StatefulSet s => s.Spec.Template,
                V1Deployment d => d.Spec.Template,
                V1Job j => j.Spec.Template,
                V1DaemonSet d => d.Spec.Template,
                V1CronJob c => c.Spec.JobTemplate.Spec.Template,
                _ => null,
            };
            if (template is not null)
                yield return (file, $"{((IKubernetesObject<V1ObjectMeta>)o).Kind} {((IKubernetesObject<V1ObjectMeta>)o).Metadata.Name}", template);
        }
    }

    /// <summary>The program's containers: (file, workload, pod spec, container).</summary>
    public IEnumerable<(string File, string Workload, V1PodSpec Pod, V1Container Container)> ProgramContainers() =>
        from t in PodTemplates()
        from c in (t.Template.Spec.InitContainers ?? []).Concat(t.Template.Spec.Containers)
        where IsProgramImage(c.Image)
        select (t.File, t.Workload, t.Template.Spec, c);

    public IEnumerable<ProgramInvocation> Invocations()
    {
        foreach (var (file, workload, _, container) in ProgramContainers())
        {
            // command replaces the entrypoint: allowed only as the program itself (then args follow it).
            var command = container.Command ?? [];
            if (command.Count > 0 && !(command[0] == "stream-pipeline" || command[0].EndsWith("/stream-pipeline", StringComparison.Ordinal)))
                throw new InvalidDataException($"{file}: {workload}, container {container.Name}: command {command[0]} is not the program");
            yield return new ProgramInvocation(file, $"{workload}, container {container.Name}", [.. command.Skip(1), .. container.Args ?? []]);
        }
    }
}
