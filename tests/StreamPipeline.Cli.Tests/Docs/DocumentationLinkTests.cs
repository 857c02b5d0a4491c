using System.Text.RegularExpressions;

namespace StreamPipeline.Cli.Tests.Docs;

/// <summary>
/// Every relative link and file reference in the project's documents (README.md, docs/, data-schemas/, docker/, deploy/)
/// resolves inside the repository: a renamed or deleted file breaks this test, not a reader's click.
/// </summary>
public sealed partial class DocumentationLinkTests
{
    // Backticked paths that name files of other projects or outputs of a run, not files of this repository.
    private static readonly HashSet<string> NotOurs = new(StringComparer.Ordinal)
    {
        "robustness/cifar_models/resnet.py",     // MadryLab/robustness
        "robustness/imagenet_models/resnet.py",  // MadryLab/robustness
        "data/fashion/*.gz",                     // zalandoresearch/fashion-mnist
    };

    // File types this repository keeps; a backticked relative path with one of them is taken as a reference to it.
    private static readonly string[] RepositoryFileTypes =
        [".md", ".cs", ".csproj", ".conf", ".json", ".sh", ".py", ".yaml", ".yml", ".targets", ".props", ".sln", ".toml", ".txt"];

    // Folders of outputs (.gitignore): paths under them name what a run writes.
    private static readonly string[] OutputFolders = ["runs", "out"];

    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (var path in DocumentFiles())
            data.Add(Path.GetRelativePath(RepositoryRoot.Path, path));
        return data;
    }

    private static IEnumerable<string> DocumentFiles()
    {
        var root = RepositoryRoot.Path;
        yield return Path.Combine(root, "README.md");
        foreach (var folder in new[] { "docs", "data-schemas", "docker", "deploy" })
        {
            var dir = Path.Combine(root, folder);
            if (!Directory.Exists(dir))
                continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                yield return file;
        }
    }

    [Fact]
    public void The_documents_checked_include_the_readme_the_schemas_and_dockers()
    {
        var documents = DocumentFiles().Select(f => Path.GetRelativePath(RepositoryRoot.Path, f)).ToArray();
        Assert.Contains("README.md", documents);
        Assert.Contains(Path.Combine("data-schemas", "constructed-dataset-v2.md"), documents);
        Assert.Contains(Path.Combine("docker", "README.md"), documents);
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_and_anchor_resolves(string document)
    {
        var path = Path.Combine(RepositoryRoot.Path, document);
        var text = File.ReadAllText(path);
        var broken = new List<string>();
        foreach (Match link in MarkdownLink().Matches(WithoutCodeBlocks(text)))
        {
            var target = link.Groups["target"].Value.Trim();
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                continue;
            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var file = hash < 0 ? target : target[..hash];
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(file)));
            if (!resolved.StartsWith(RepositoryRoot.Path + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                broken.Add($"{target}: points outside the repository");
            else if (!File.Exists(resolved) && !Directory.Exists(resolved))
                broken.Add($"{target}: no such file");
            else if (anchor is not null && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(resolved)).Contains(anchor))
                broken.Add($"{target}: no heading with anchor #{anchor} in {Path.GetFileName(resolved)}");
        }
        Assert.True(broken.Count == 0, $"{document}: {string.Join("; ", broken)}");
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_file_path_it_names_exists(string document)
    {
        var path = Path.Combine(RepositoryRoot.Path, document);
        var missing = FileReferences(File.ReadAllText(path))
            .Where(reference => !Resolves(reference, Path.GetDirectoryName(path)!))
            .Distinct()
            .ToArray();
        Assert.True(missing.Length == 0, $"{document} names files the repository does not have: {string.Join(", ", missing)}");
    }

    [Fact]
    public void A_reference_to_a_missing_file_is_found()
    {
        // The check itself: the dangling reference of issue 24 and a broken link are reported, real ones are not.
        var text = "see `docs-draft/huggingface.md` and `config/jobs/defaults.conf`, `T-shirt/top`, `runs/quick/results.md`";
        Assert.Equal(["docs-draft/huggingface.md", "config/jobs/defaults.conf"], FileReferences(text));
        Assert.False(Resolves("docs-draft/huggingface.md", RepositoryRoot.Path));
        Assert.True(Resolves("config/jobs/defaults.conf", RepositoryRoot.Path));
        Assert.True(Resolves("config/jobs/*.conf", RepositoryRoot.Path));
        Assert.Contains("benchmark", Anchors("## Benchmark\ntext"));
        Assert.Contains("jobs-shards-resume-what-is-verified", Anchors("## Jobs: shards, resume, what is verified"));
    }

    /// <summary>Backticked relative paths that name a file of this repository (by its folder or its file type).</summary>
    private static List<string> FileReferences(string text)
    {
        var references = new List<string>();
        foreach (Match code in InlineCode().Matches(text))
        {
            var token = code.Groups["code"].Value.Trim();
            if (token.StartsWith("./", StringComparison.Ordinal))
                token = token[2..];
            if (token.Length == 0 || token.StartsWith('/') || token.StartsWith('~') || token.Contains(' ') || token.Contains("://", StringComparison.Ordinal)
                || !token.Contains('/') || NotOurs.Contains(token))
                continue;
            var first = token.Split('/').SkipWhile(s => s is "." or "..").FirstOrDefault() ?? "";
            if (OutputFolders.Contains(first))
                continue;
            var topLevel = Directory.Exists(Path.Combine(RepositoryRoot.Path, first)) || first == ".ci";
            var repositoryType = RepositoryFileTypes.Any(t => token.EndsWith(t, StringComparison.Ordinal));
            if (topLevel || repositoryType)
                references.Add(token);
        }
        return references;
    }

    /// <summary>True when <paramref name="reference"/> (a glob in its last part allowed) exists relative to the document's folder or the repository root.</summary>
    private static bool Resolves(string reference, string documentFolder)
    {
        foreach (var baseDir in new[] { documentFolder, RepositoryRoot.Path })
        {
            var full = Path.GetFullPath(Path.Combine(baseDir, reference));
            if (!reference.Contains('*'))
            {
                if (File.Exists(full) || Directory.Exists(full.TrimEnd('/')))
                    return true;
                continue;
            }
            var folder = Path.GetDirectoryName(full)!;
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder, Path.GetFileName(full)).Any())
                return true;
        }
        return false;
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(WithoutCodeBlocks(markdown)))
        {
            var slug = new string(heading.Groups["title"].Value.Trim().ToLowerInvariant()
                .Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray()).Replace(' ', '-');
            var unique = slug;
            for (var n = 1; !anchors.Add(unique); n++)
                unique = $"{slug}-{n}";
        }
        return anchors;
    }

    private static string WithoutCodeBlocks(string markdown) => CodeBlock().Replace(markdown, "");

    [GeneratedRegex(@"(?<!!)\[[^\]]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"`(?<code>[^`\n]+)`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*#*\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
