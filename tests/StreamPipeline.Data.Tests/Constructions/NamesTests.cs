namespace StreamPipeline.Data.Tests.Constructions;

/// <summary>One two-way name map per enum: every value has one name, names parse back, aliases and case are forgiven.</summary>
public sealed class NamesTests
{
    [Fact]
    public void Every_value_of_every_enum_round_trips_through_its_name()
    {
        foreach (var kind in Enum.GetValues<ConstructionKind>())
            Assert.Equal(kind, Names.Construction.Parse(Names.Construction.Of(kind)));
        foreach (var norm in Enum.GetValues<ThreatModel>())
            Assert.Equal(norm, Names.Norm.Parse(Names.Norm.Of(norm)));
        foreach (var mode in Enum.GetValues<StartMode>())
            Assert.Equal(mode, Names.StartMode.Parse(Names.StartMode.Of(mode)));
        Assert.Equal("det|rand|robust|nonrobust", Names.Construction.Choices);
        Assert.Equal("l2|linf|l2-unbounded", Names.Norm.Choices);
    }

    [Fact]
    public void Parsing_forgives_case_spaces_and_aliases_and_refuses_unknown_names_listing_the_choices()
    {
        Assert.Equal(ThreatModel.Linf, Names.Norm.Parse(" LINF "));
        Assert.Equal(ConstructionKind.NonRobust, Names.Construction.Parse("non-robust"));

        var error = Assert.Throws<ArgumentException>(() => Names.Norm.Parse("l1"));

        Assert.Equal("attack.norm 'l1' is not one of l2|linf|l2-unbounded", error.Message);
    }

    [Fact]
    public void A_map_that_misses_a_value_is_refused_when_made()
    {
        var error = Assert.Throws<ArgumentException>(() => new NameMap<StartMode>("start-mode", new Dictionary<StartMode, string> { [StartMode.Noise] = "noise" }));
        Assert.Contains("OtherImage", error.Message);
    }
}
