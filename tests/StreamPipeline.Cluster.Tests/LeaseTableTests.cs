using StreamPipeline.Cluster.Leases;

namespace StreamPipeline.Cluster.Tests;

/// <summary>The coordinator's lease rules, driven by a test clock.</summary>
public sealed class LeaseTableTests
{
    private DateTime _now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private LeaseTable Table(int shards = 4) =>
        new(ShardPlanner.Plan(shards * 10, 10), TimeSpan.FromSeconds(30), () => _now);

    [Fact]
    public void Shards_are_leased_in_order_one_lease_each_until_none_is_pending()
    {
        var table = Table();

        var leases = Enumerable.Range(0, 5).Select(i => table.Grant($"w{i % 2}")).ToList();

        Assert.Equal([0, 1, 2, 3], leases.Take(4).Select(l => l!.Shard.Id));
        Assert.Null(leases[4]);
        Assert.Equal((0, 4), (table.Pending, table.Leased));
        Assert.Equal(4, leases.Take(4).Select(l => l!.LeaseId).Distinct().Count());
    }

    [Fact]
    public void Only_the_current_unexpired_lease_of_its_holder_may_commit_and_only_once()
    {
        var table = Table();
        var lease = table.Grant("a")!;

        Assert.Equal(DeliveryCheck.Current, table.Check(lease.LeaseId, lease.Shard.Id, "a"));
        Assert.Equal(DeliveryCheck.Expired, table.Check(lease.LeaseId, lease.Shard.Id, "b"));
        Assert.Equal(DeliveryCheck.Unknown, table.Check(lease.LeaseId + 100, lease.Shard.Id, "a"));
        table.Committed(lease.LeaseId);
        Assert.Equal(DeliveryCheck.AlreadyDone, table.Check(lease.LeaseId, lease.Shard.Id, "a"));
        Assert.Equal(1, table.Done);
    }

    [Fact]
    public void An_unrenewed_lease_expires_its_shard_goes_back_first_and_the_old_holders_result_is_refused()
    {
        var table = Table();
        var first = table.Grant("slow")!;
        table.Grant("fast");
        _now += TimeSpan.FromSeconds(20);
        Assert.True(table.Renew(table.LeasesOf("fast").Single().LeaseId, "fast"));
        _now += TimeSpan.FromSeconds(15);

        var expired = table.Expire();
        var again = table.Grant("fast")!;

        Assert.Equal([first.LeaseId], expired.Select(l => l.LeaseId));
        Assert.Equal(first.Shard, again.Shard);
        Assert.False(table.Renew(first.LeaseId, "slow"));
        Assert.Equal(DeliveryCheck.Expired, table.Check(first.LeaseId, first.Shard.Id, "slow"));
        Assert.Equal(DeliveryCheck.Current, table.Check(again.LeaseId, again.Shard.Id, "fast"));
    }

    [Fact]
    public void A_lease_past_its_deadline_cannot_commit_even_before_it_is_collected()
    {
        var table = Table();
        var lease = table.Grant("a")!;
        _now += TimeSpan.FromSeconds(31);

        Assert.Equal(DeliveryCheck.Expired, table.Check(lease.LeaseId, lease.Shard.Id, "a"));
        Assert.False(table.Renew(lease.LeaseId, "a"));
    }

    [Fact]
    public void A_worker_that_leaves_gives_back_all_its_leases_and_failures_are_counted_per_shard()
    {
        var table = Table();
        var a1 = table.Grant("a")!;
        table.Grant("b");
        var a2 = table.Grant("a")!;

        var released = table.Release("a");
        var retried = table.Grant("c")!;

        Assert.Equal([a2.Shard.Id, a1.Shard.Id], released.Select(l => l.Shard.Id));
        Assert.Equal(a1.Shard, retried.Shard);
        Assert.Equal(1, table.Fail(retried.LeaseId, "c"));
        Assert.Equal(2, table.Fail(table.Grant("d")!.LeaseId, "d"));
    }

    [Fact]
    public void Lease_ids_continue_from_the_given_base_so_a_restarted_coordinator_never_reuses_one()
    {
        var table = new LeaseTable(ShardPlanner.Plan(20, 10), TimeSpan.FromSeconds(30), () => _now, firstLeaseId: 1_000_000);

        Assert.Equal(1_000_000, table.Grant("a")!.LeaseId);
        Assert.Equal(DeliveryCheck.Expired, table.Check(999_999, 1, "a"));
    }
}
