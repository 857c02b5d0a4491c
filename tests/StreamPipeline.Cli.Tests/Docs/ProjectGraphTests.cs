using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace StreamPipeline.Cli.Tests.Docs;

/// <summary>
/// The project files keep the layout docs/architecture.md draws: every source project is listed there, each references
/// only projects listed above it (so the graph has no cycle and dependencies point one way), and the projects the
/// coordinator and the actor graph live in never reach TorchSharp.
/// </summary>
public sealed partial class ProjectGraphTests
{
    private static readonly string SourceRoot = Path.Combine(RepositoryRoot.Path, "src");

    [Fact]
    public void Every_source_project_is_in_the_architecture_list_once()
    {
        var listed = ArchitectureOrder();
        var projects = ProjectNames();

        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.Equal(projects.OrderBy(p => p, StringComparer.Ordinal), listed.OrderBy(p => p, StringComparer.Ordinal));
    }

    [Fact]
    public void Each_project_references_only_projects_listed_above_it()
    {
        var order = ArchitectureOrder();
        foreach (var project in ProjectNames())
        {
            foreach (var reference in References(project))
            {
                Assert.True(order.IndexOf(reference) < order.IndexOf(project),
                    $"{project} references {reference}, which docs/architecture.md lists below it");
            }
        }
    }

    [Theory]
    [InlineData("StreamPipeline.Data")]
    [InlineData("StreamPipeline.Configuration")]
    [InlineData("StreamPipeline.Pipeline")]
    [InlineData("StreamPipeline.Cluster")]
    public void Torch_free_projects_never_reach_TorchSharp(string project)
    {
        var reached = Closure(project);
        foreach (var name in reached.Append(project))
        {
            Assert.DoesNotContain(PackageReferences(name), p => p.StartsWith("TorchSharp", StringComparison.Ordinal));
        }
        Assert.DoesNotContain("StreamPipeline.Models", reached);
    }

    private static List<string> ArchitectureOrder()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "architecture.md"));
        return SourceLine().Matches(text).Select(m => m.Groups[1].Value).ToList();
    }

    private static List<string> ProjectNames() =>
        Directory.GetFiles(SourceRoot, "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetFileNameWithoutExtension(p)!)
            .ToList();

    private static XDocument Project(string name) =>
        XDocument.Load(Path.Combine(SourceRoot, name, name + ".csproj"));

    private static IEnumerable<string> References(string name) =>
        Project(name).Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension((string)e.Attribute("Include")!));

    private static IEnumerable<string> PackageReferences(string name) =>
        Project(name).Descendants("PackageReference").Select(e => (string)e.Attribute("Include")!);

    private static HashSet<string> Closure(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(References(name));
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next)) continue;
            foreach (var reference in References(next)) pending.Push(reference);
        }
        return seen;
    }

    [GeneratedRegex(@"^src/(StreamPipeline\.[A-Za-z]+)/", RegexOptions.Multiline)]
    private static partial Regex SourceLine();
}
