using System.Reflection;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Tests.Specs;

/// <summary>
/// A JobSpec is valid by its type: only the loader makes one (through the checks), nothing can change one afterwards
/// (no setter, no <c>with</c>, no shared list), and no static state feeds it.
/// </summary>
public class JobSpecConstructionTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void Job_spec_has_no_constructor_outside_its_assembly()
    {
        var constructors = typeof(JobSpec).GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);

        Assert.NotEmpty(constructors);
        // Internal (the loader's) or private only: neither public nor reachable by a subclass.
        Assert.All(constructors, c => Assert.False(c.IsPublic || c.IsFamily || c.IsFamilyOrAssembly, $"{c} is visible outside the assembly"));
        Assert.True(typeof(JobSpec).IsSealed);
    }

    [Fact]
    public void Job_spec_has_no_setter_and_no_clone_so_with_cannot_compile()
    {
        var settable = typeof(JobSpec).GetProperties(Everything).Where(p => p.SetMethod is not null).Select(p => p.Name);

        Assert.Empty(settable);
        // A record's 'with' calls the compiler-made <Clone>$; a class has none, so 'spec with { ... }' does not compile.
        Assert.DoesNotContain(typeof(JobSpec).GetMethods(Everything), m => m.Name == "<Clone>$");
        Assert.All(typeof(JobSpec).GetFields(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance),
            f => Assert.True(f.IsInitOnly, $"{f.Name} can be written after construction"));
    }

    [Fact]
    public void Spec_types_hold_no_mutable_static_state()
    {
        // The compiler's own closure classes cache lambdas in static fields; they are not state of ours.
        var types = typeof(JobSpec).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(JobSpec).Namespace && !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)));
        var mutable = types.SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(f => !f.IsLiteral && (!f.IsInitOnly || f.IsDefined(typeof(ThreadStaticAttribute))))
                .Select(f => $"{t.Name}.{f.Name}"));

        Assert.Empty(mutable);
    }

    [Fact]
    public void Lists_given_to_the_loader_are_copied_so_changing_them_later_does_not_change_the_spec()
    {
        string[] devices = ["cpu", "cpu"];
        int[] failing = [1];
        var spec = JobSpecLoader.Load(null, new JobSpecOverrides
        {
            Construction = ConstructionKind.Det, Model = "m.ckpt", Data = "fashion-mnist:train", Devices = devices,
            Faults = new FaultInjection(0, 0, failing),
        });
        var before = spec.ToCanonicalJson();

        devices[1] = "cuda:7";
        failing[0] = 5;

        Assert.Equal(["cpu", "cpu"], spec.Devices);
        Assert.Equal([1], spec.Faults.FailingDevices);
        Assert.Equal(before, spec.ToCanonicalJson());
        Assert.Equal(JobSpecLoader.Parse(spec.ToHocon()), spec);
        Assert.IsNotType<string[]>(spec.Devices);
    }
}
