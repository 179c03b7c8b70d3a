using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using RaftActors.Host.Api;
using RaftActors.Host.Configuration;
using RaftActors.Host.Diagnostics;
using RaftActors.Host.Node;

namespace RaftActors.Host;

/// <summary>Builds one node's web application: configuration, Kestrel, the node, the promoter and the client API.</summary>
internal static class NodeApplication
{
    public static WebApplication Build(string[] args)
    {
        // Args are applied by HostConfiguration with the eosc switch names, not by the default provider. The one
        // host setting given here turns off reloading appsettings.json on change: it watches the content root (the
        // working directory, where ./data lives) with a FileSystemWatcher, and every journal write woke it (about
        // three wake-ups per proposal, 1,500 a second on one connection to a standalone node).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        var hoconFile = HostConfiguration.Apply(builder.Configuration, args);
        var section = builder.Configuration.GetSection(NodeHostOptions.Section);
        var options = Bind(section);
        // --log-format wins; otherwise the standard Logging:Console:FormatterName setting picks the formatter.
        options.LogFormat ??= builder.Configuration["Logging:Console:FormatterName"];
        // Checked here as well as by ValidateOnStart: Kestrel is configured from these values before the host starts.
        // With a HOCON file the switches alone are not the whole story: they are checked once the file's values are in.
        if (hoconFile is null) Validate(options);
        var raft = HostRaftConfiguration.Resolve(builder.Configuration, options, hoconFile);
        if (hoconFile is not null) Validate(options);

        builder.Services.AddSingleton(raft);
        builder.Services.AddOptions<NodeHostOptions>().Bind(section).PostConfigure(raft.ApplyTo).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<NodeHostOptions>, NodeHostOptionsValidator>();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.Configure<FormOptions>(o =>
        {
            o.ValueLengthLimit = (int)options.MaxBodyBytes;
            o.MultipartBodyLengthLimit = options.MaxBodyBytes;
        });
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, HostJson.Default));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<HostMetrics>();
        builder.Services.AddSingleton<NodeManager>();
        builder.Services.AddSingleton<JoinCoordinator>();
        builder.Services.AddHostedService<NodeHostedService>();
        builder.Services.AddHostedService<Promoter>();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        AddConsoleLogging(builder.Logging, options.LogFormat);
        var certificate = HttpsCertificate.Load(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(options.HttpBind), options.HttpPort, listen =>
            {
                if (certificate is not null) listen.UseHttps(certificate);
            });
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });

        var app = builder.Build();
        app.UseApiErrors();
        app.MapClientApi();
        app.Lifetime.ApplicationStarted.Register(() => LogSecurity(app, options, certificate));
        return app;
    }

    /// <summary>Says at start what the HTTP API lets anyone do, and whether it is encrypted.</summary>
    private static void LogSecurity(WebApplication app, NodeHostOptions options, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RaftActors.Host.Api");
        var bind = $"{options.HttpBind}:{options.HttpPort}";
        if (options.AdminToken is null) LogMessages.Unauthenticated(log, bind, "addNode, deleteNode, transferLeader and leave", "--admin-token");
        if (options.ClientToken is null) LogMessages.Unauthenticated(log, bind, "set and get", "--client-token");
        if (certificate is not null) LogMessages.ServingHttps(log, certificate.Subject, certificate.NotAfter.ToUniversalTime());
    }

    private static NodeHostOptions Bind(IConfigurationSection section)
    {
        try
        {
            return section.Get<NodeHostOptions>() ?? new NodeHostOptions();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key and the type (Node:NodeId, UInt64): a switch that is not a number.
            throw new OptionsValidationException(NodeHostOptions.Section, typeof(NodeHostOptions), [$"{ex.Message} Fix that switch and start again."]);
        }
    }

    private static void Validate(NodeHostOptions options)
    {
        var validation = new NodeHostOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new OptionsValidationException(NodeHostOptions.Section, typeof(NodeHostOptions), validation.Failures);
    }

    /// <summary>One console formatter: simple lines for people, JSON lines (with EventId) for log collectors, or systemd.</summary>
    private static void AddConsoleLogging(ILoggingBuilder logging, string? format)
    {
        switch (format?.ToLowerInvariant())
        {
            case ConsoleFormatterNames.Json:
                logging.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
                break;
            case ConsoleFormatterNames.Systemd:
                logging.AddSystemdConsole();
                break;
            default:
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss.fff ";
                });
                break;
        }
    }
}
