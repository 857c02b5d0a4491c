using Akka.Actor;
using Akka.Configuration;
using Akka.Event;

namespace StreamPipeline.Cli;

/// <summary>
/// The build's Akka logger: each log event as one line on stderr. Akka's default logger writes to stdout, with the
/// full stack trace of every error; the CLI keeps stdout for results and shows stack traces only with
/// STREAM_PIPELINE_DEBUG=1.
/// </summary>
public sealed class StderrLogger : ReceiveActor
{
    /// <summary>
    /// Actor-system settings that route Akka's log events here (and silence the stdout logger). Without
    /// STREAM_PIPELINE_DEBUG=1 Akka's own log is off: a failure reaches the user once, as the command's one error line,
    /// and retries and splits show in the live view and the metrics.
    /// </summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString(
        $"akka.loggers = [\"{typeof(StderrLogger).FullName}, {typeof(StderrLogger).Assembly.GetName().Name}\"]\n" +
        "akka.stdout-loglevel = OFF\n" +
        $"akka.loglevel = {(CommandRunner.ShowStackTraces ? "INFO" : "OFF")}");

    public StderrLogger()
    {
        // Echo what akka.loglevel asks for, even when a part of the program lowers the bus's level to listen for events
        // of its own (the coordinator watches Akka.Remote's warnings for refused TLS connections).
        var echo = Logging.LogLevelFor(Context.System.Settings.LogLevel);
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            if (e.LogLevel() >= echo)
                Console.Error.WriteLine(Format(e, CommandRunner.ShowStackTraces));
        });
    }

    /// <summary><c>[LEVEL] message (CauseType: cause message)</c> on one line, or with the cause's stack trace below.</summary>
    public static string Format(LogEvent e, bool withStackTrace)
    {
        var level = e.LogLevel() switch
        {
            LogLevel.ErrorLevel => "ERROR",
            LogLevel.WarningLevel => "WARNING",
            LogLevel.InfoLevel => "INFO",
            _ => "DEBUG",
        };
        var line = $"[{level}] {OneLine(e.Message?.ToString())}";
        if (e.Cause is null)
            return line;
        return withStackTrace ? line + Environment.NewLine + e.Cause : $"{line} ({e.Cause.GetType().Name}: {OneLine(e.Cause.Message)})";
    }

    private static string OneLine(string? text) => (text ?? "").ReplaceLineEndings(" ").Trim();
}
