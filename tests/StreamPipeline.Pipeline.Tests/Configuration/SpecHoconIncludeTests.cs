using System.Text;
using StreamPipeline.Configuration;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Tests.TestData;
using static StreamPipeline.Pipeline.Tests.Configuration.SpecHoconText;

namespace StreamPipeline.Pipeline.Tests.Configuration;

/// <summary>
/// Spec files on disk and the files they include: an include is a file next to the spec (or a path from it), read with
/// the same bounds as the spec; a missing, looping, too deep or non-file include is one line naming it.
/// </summary>
public sealed class SpecHoconIncludeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        var path = _dir.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Refused(string file, params string[] mustContain) =>
        AssertOneLine(Assert.Throws<ArgumentException>(() => SpecHocon.ParseFile(file)), file, mustContain);

    [Fact]
    public void Included_file_is_found_next_to_the_including_file_and_its_fields_land_where_it_is_included()
    {
        Write("specs/attack.conf", "eps = 0.25\nsteps = 7");
        Write("common.conf", "seed = 3");
        var main = Write("specs/main.conf", "steps = 1\nattack {\n  steps = 100\n  include \"attack.conf\"\n  norm = l2\n}\ninclude file(\"../common.conf\")\nseed = 4");

        var config = SpecHocon.ParseFile(main);

        Assert.Equal((0.25, 7, "l2", 1), (config.GetDouble("attack.eps"), config.GetInt("attack.steps"), config.GetString("attack.norm"), config.GetInt("steps")));
        Assert.Equal(4, config.GetInt("seed"));
    }

    [Theory]
    [InlineData("include required(\"part.conf\")")]
    [InlineData("include required(file(\"part.conf\"))")]
    [InlineData("include file( \"part.conf\" )")]
    [InlineData("include \"part.conf\",")]
    public void Include_forms_for_files_are_accepted(string directive)
    {
        Write("part.conf", "x = 1");
        var main = Write("main.conf", directive + "\ny = 2");

        Assert.Equal((1, 2), (SpecHocon.ParseFile(main).GetInt("x"), SpecHocon.ParseFile(main).GetInt("y")));
    }

    [Fact]
    public void Substitution_in_an_included_file_looks_where_it_was_included_first_then_at_the_root()
    {
        Write("attack.conf", "step-size = ${eps}\nlabel = ${name}");
        var main = Write("main.conf", "name = run\neps = 9\nattack {\n  eps = 0.5\n  include \"attack.conf\"\n}");

        var config = SpecHocon.ParseFile(main);

        Assert.Equal((0.5, "run"), (config.GetDouble("attack.step-size"), config.GetString("attack.label")));
    }

    [Fact]
    public void Job_spec_may_be_split_over_included_files()
    {
        Write("attack.conf", "attack { norm = linf, eps = 0.03, step-size = 0.01, steps = 5 }");
        var main = Write("job.conf", "construction = rand\nmodel = m.ckpt\ndata = \"fashion-mnist:train\"\ninclude \"attack.conf\"");

        var spec = JobSpecLoader.Load(main);

        Assert.Equal(new AttackSettings(ThreatModel.Linf, 0.03, 0.01, 5), spec.Attack);
    }

    [Fact]
    public void Missing_include_is_refused_naming_the_spec_the_line_and_the_file()
    {
        var main = Write("main.conf", "a = 1\ninclude \"missing.conf\"");

        Refused(main, "line 2: include \"missing.conf\": file not found");
    }

    [Fact]
    public void Include_of_a_directory_is_refused()
    {
        Directory.CreateDirectory(_dir.File("folder.conf"));
        var main = Write("main.conf", "include \"folder.conf\"");

        Refused(main, "line 1: include \"folder.conf\": is a directory, not a regular file");
    }

    [Theory]
    [InlineData("include \"main.conf\"", "include loop: main.conf -> main.conf")]
    [InlineData("include \"loop.conf\"", "include loop: main.conf -> loop.conf -> main.conf")]
    [InlineData("a { include \"loop.conf\" }", "include loop: main.conf -> loop.conf -> main.conf")]
    public void Include_loop_is_refused_naming_its_files(string directive, string expected)
    {
        Write("loop.conf", "b = 1\ninclude \"main.conf\"");
        var main = Write("main.conf", directive);

        var message = Assert.Throws<ArgumentException>(() => SpecHocon.ParseFile(main)).Message;

        Assert.Contains(expected, message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Includes_nested_deeper_than_the_bound_are_refused()
    {
        for (var i = 0; i < 20; i++)
            Write($"level{i}.conf", $"include \"level{i + 1}.conf\"\nl{i} = {i}");
        Write("level20.conf", "end = true");

        var message = Assert.Throws<ArgumentException>(() => SpecHocon.ParseFile(_dir.File("level0.conf"))).Message;

        Assert.Contains($"includes nest deeper than {SpecHocon.MaxIncludeDepth} files", message);
        Assert.Contains("(included from", message);
    }

    [Fact]
    public void More_includes_than_the_bound_are_refused()
    {
        Write("part.conf", "x = 1");
        var main = Write("main.conf", string.Concat(Enumerable.Repeat("include \"part.conf\"\n", 10_000)));

        Refused(main, $"more than {SpecHocon.MaxIncludes} includes");
    }

    [Theory]
    [InlineData("include url(\"http://example.com/x.conf\")", "include url(...) is not supported")]
    [InlineData("include classpath(\"x.conf\")", "include classpath(...) is not supported")]
    [InlineData("include required(url(\"file:///etc/passwd\"))", "include url(...) is not supported")]
    [InlineData("include file(x.conf)", "include file( must be followed by a quoted file name")]
    [InlineData("include file(\"x.conf\"", "expected ')' to close include file(\"...\")")]
    [InlineData("include \"\"", "include \"\": an empty file name")]
    [InlineData("include \"\"\"x.conf\"\"\"", "expected a quoted file name after include")]
    public void Include_of_anything_but_a_quoted_file_name_is_refused(string directive, string expected)
    {
        var main = Write("main.conf", directive);

        Refused(main, "line 1: ", expected);
    }

    [Fact]
    public void Problem_inside_an_included_file_names_that_file_and_the_include()
    {
        var part = Write("part.conf", "x = 1\ny {\n");
        var main = Write("main.conf", "a = 1\ninclude \"part.conf\"");

        var message = Assert.Throws<ArgumentException>(() => SpecHocon.ParseFile(main)).Message;

        Assert.Equal($"spec {part}: line 2: '{{' is never closed (included from {main} line 2)", message);
    }

    [Fact]
    public void Include_of_a_device_is_refused_without_reading_it_forever()
    {
        var main = Write("main.conf", "include \"/dev/zero\"");

        Refused(main, "line 1: include \"/dev/zero\": is a character device, not a regular file");
    }

    [Fact]
    public void Spec_file_that_is_not_utf8_is_refused()
    {
        var path = _dir.File("latin1.conf");
        File.WriteAllBytes(path, [.. "name = caf"u8, 0xE9, .. "\n"u8]);

        Assert.Equal($"spec {path}: is not valid UTF-8 text", Assert.Throws<ArgumentException>(() => SpecHocon.ReadFile(path)).Message);
    }

    [Fact]
    public void Spec_file_with_a_byte_order_mark_reads_in_utf8_or_utf16()
    {
        var utf8 = _dir.File("utf8.conf");
        var utf16 = _dir.File("utf16.conf");
        File.WriteAllBytes(utf8, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("name = \"café\"\r\n")]);
        File.WriteAllBytes(utf16, [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("name = \"café\"\r\n")]);

        Assert.Equal("café", SpecHocon.ParseFile(utf8).GetString("name"));
        Assert.Equal("café", SpecHocon.ParseFile(utf16).GetString("name"));
    }

    [Fact]
    public void Spec_file_larger_than_the_bound_is_refused_without_reading_it_all()
    {
        var path = _dir.File("huge.conf");
        using (var file = File.Create(path))
            file.SetLength(64L << 20);

        Assert.Equal($"spec {path}: is larger than 1024 KiB; a spec is a small text file", Assert.Throws<ArgumentException>(() => SpecHocon.ReadFile(path)).Message);
    }

    [Fact]
    public void Spec_path_that_is_a_directory_or_missing_is_refused()
    {
        Assert.Equal($"spec {_dir.Path}: is a directory, not a regular file", Assert.Throws<ArgumentException>(() => SpecHocon.ReadFile(_dir.Path)).Message);
        Assert.Equal($"spec {_dir.File("none.conf")}: file not found", Assert.Throws<ArgumentException>(() => SpecHocon.ReadFile(_dir.File("none.conf"))).Message);
    }

    [Fact]
    public void Job_spec_loader_refuses_a_binary_spec_file_in_one_line()
    {
        var path = _dir.File("binary.conf");
        File.WriteAllBytes(path, [.. "construction = det\n"u8, 0, 1, 2, 3]);

        var error = Assert.Throws<ArgumentException>(() => JobSpecLoader.Load(path));

        AssertOneLine(error, path, "line 2: a NUL character");
    }
}
