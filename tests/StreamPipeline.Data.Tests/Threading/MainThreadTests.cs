using StreamPipeline.Data.Threading;

namespace StreamPipeline.Data.Tests.Threading;

// MainThread is one per process: these tests are the only users in this assembly, and xUnit runs a class's tests one at a time.
public sealed class MainThreadTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <paramref name="command"/> under <see cref="MainThread.Serve"/> on a new thread standing in for the process's
    /// main thread; returns the exit code and that thread's id.
    /// </summary>
    private static (int Code, int ServingThread) Served(Func<Task<int>> command, Action<int>? exit = null, TimeSpan? grace = null)
    {
        var code = -1;
        Exception? failure = null;
        var serving = 0;
        var main = new Thread(() =>
        {
            serving = Environment.CurrentManagedThreadId;
            try
            {
                code = MainThread.Serve(command, exit, grace);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        main.Start();
        Assert.True(main.Join(Patience), "Serve did not return");
        if (failure is not null) throw failure;
        return (code, serving);
    }

    /// <summary>A command that pauses at once, then runs <paramref name="elsewhere"/> on a thread-pool thread.</summary>
    private static Func<Task<int>> FromThePool(Action elsewhere) => async () =>
    {
        await Task.Yield();
        await Task.Run(elsewhere);
        return 0;
    };

    [Fact]
    public void Work_sent_through_a_loan_runs_on_the_serving_thread_and_its_result_and_exception_come_back_to_the_sender()
    {
        int ran = 0, again = 0, sender = 0;
        string? message = null;
        var (_, serving) = Served(FromThePool(() =>
        {
            using var loan = MainThread.TryBorrow();
            Assert.NotNull(loan);
            ran = loan.Run(() => Environment.CurrentManagedThreadId);
            message = Assert.Throws<InvalidDataException>(() => loan.Run(() => throw new InvalidDataException("from the main thread"))).Message;
            // The serving thread goes on serving after a failure.
            again = loan.Run(() => Environment.CurrentManagedThreadId);
            sender = Environment.CurrentManagedThreadId;
        }));

        Assert.Equal(serving, ran);
        Assert.Equal(serving, again);
        Assert.NotEqual(serving, sender);
        Assert.Equal("from the main thread", message);
    }

    [Fact]
    public void The_main_thread_is_lent_to_one_borrower_at_a_time_and_can_be_borrowed_again_once_given_back()
    {
        MainThreadLoan? first = null, whileLent = null, again = null, thirdWhileLent = null;
        Served(FromThePool(() =>
        {
            first = MainThread.TryBorrow();
            whileLent = MainThread.TryBorrow();
            first?.Dispose();
            first?.Dispose(); // twice is harmless and gives nothing back twice
            again = MainThread.TryBorrow();
            thirdWhileLent = MainThread.TryBorrow();
            again?.Dispose();
        }));

        Assert.NotNull(first);
        Assert.Null(whileLent);
        Assert.NotNull(again);
        Assert.Null(thirdWhileLent);
        Assert.Throws<ObjectDisposedException>(() => first.Run(() => 1));
    }

    [Fact]
    public void Only_the_cpu_borrows_it_an_accelerator_does_not()
    {
        MainThreadLoan? cuda = null, cpu = null;
        Served(FromThePool(() =>
        {
            cuda = MainThread.TryBorrowFor("cuda:0");
            cpu = MainThread.TryBorrowFor(" CPU ");
            cpu?.Dispose();
        }));

        Assert.Null(cuda);
        Assert.NotNull(cpu);
    }

    [Fact]
    public void A_command_runs_off_the_main_thread_so_even_its_synchronous_start_can_borrow_it_and_wait()
    {
        int commandThread = 0, ran = 0;
        var (_, serving) = Served(() =>
        {
            // No await before: the command still does not run on the serving thread, so this wait cannot deadlock.
            commandThread = Environment.CurrentManagedThreadId;
            ran = MainThread.Run(() => Environment.CurrentManagedThreadId);
            return Task.FromResult(0);
        });

        Assert.NotEqual(serving, commandThread);
        Assert.Equal(serving, ran);
    }

    [Fact]
    public void Work_asked_for_on_the_main_thread_itself_runs_there_at_once()
    {
        int outer = 0, inner = 0;
        var (_, serving) = Served(FromThePool(() => outer = MainThread.Run(() =>
        {
            // Lent work that asks for the main thread again (a service inside a service) must not wait for itself.
            inner = MainThread.Run(() => Environment.CurrentManagedThreadId);
            return Environment.CurrentManagedThreadId;
        })));

        Assert.Equal(serving, outer);
        Assert.Equal(serving, inner);
    }

    [Fact]
    public void Work_sent_after_the_command_ended_runs_on_the_senders_own_thread()
    {
        MainThreadLoan? kept = null;
        var (_, serving) = Served(FromThePool(() => kept = MainThread.TryBorrow()));

        Assert.NotNull(kept);
        var thread = kept.Run(() => Environment.CurrentManagedThreadId);
        Assert.NotEqual(serving, thread);
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
        kept.Dispose();
        Assert.Null(MainThread.TryBorrow()); // nothing is served now
    }

    [Fact]
    public void Serve_returns_the_commands_exit_code_and_rethrows_its_failure()
    {
        Assert.Equal(3, Served(async () =>
        {
            await Task.Delay(10);
            return 3;
        }).Code);
        var error = Assert.Throws<InvalidOperationException>(() => Served(async () =>
        {
            await Task.Delay(10);
            throw new InvalidOperationException("the command failed");
        }));
        Assert.Equal("the command failed", error.Message);
    }

    [Fact]
    public void Run_borrows_when_it_can_and_otherwise_runs_on_the_callers_thread()
    {
        int borrowed = 0, busy = 0, caller = 0;
        var (_, serving) = Served(FromThePool(() =>
        {
            borrowed = MainThread.Run(() => Environment.CurrentManagedThreadId);
            using (MainThread.TryBorrow())
                busy = MainThread.Run(() => Environment.CurrentManagedThreadId);
            caller = Environment.CurrentManagedThreadId;
        }));

        Assert.Equal(serving, borrowed);
        Assert.Equal(caller, busy);
    }

    [Fact]
    public void A_command_that_ends_while_lent_work_hangs_on_the_main_thread_exits_with_its_code_after_the_grace()
    {
        using var hang = new ManualResetEventSlim();
        using var exited = new ManualResetEventSlim();
        var code = -1;
        var main = new Thread(() => MainThread.Serve(async () =>
        {
            await Task.Yield();
            var loan = MainThread.TryBorrow()!;
            // An abandoned device worker: its batch never returns, and nothing waits for it.
            _ = Task.Run(() => loan.Run(() => hang.Wait()));
            await Task.Delay(200);
            return 7;
        }, exit: c =>
        {
            code = c;
            exited.Set();
        }, grace: TimeSpan.FromMilliseconds(300)));
        main.Start();

        Assert.True(exited.Wait(Patience), "the process would have stayed alive");
        Assert.Equal(7, code);
        hang.Set(); // let the stand-in main thread finish
        Assert.True(main.Join(Patience));
    }

    [Fact]
    public void A_command_that_ends_normally_does_not_exit_the_process_early()
    {
        var exits = 0;
        Served(FromThePool(() => MainThread.Run(() => { Thread.Sleep(50); return 0; })), exit: _ => Interlocked.Increment(ref exits), grace: TimeSpan.FromMilliseconds(100));
        Thread.Sleep(400);
        Assert.Equal(0, exits);
    }
}
