using Microsoft.Extensions.Options;
using RaftActors.Host;
using RaftActors.Host.Configuration;
using RaftActors.Host.Demo;

return await HostCommandLine.InvokeAsync(args, RunNodeAsync, (dataDir, nodes, _) => DemoRunner.RunAsync(dataDir, nodes), Console.Out, Console.Error)
    .ConfigureAwait(false);

async Task<int> RunNodeAsync(CancellationToken cancellationToken)
{
    try
    {
        var app = NodeApplication.Build(args);
        await app.RunAsync().ConfigureAwait(false);
        return Environment.ExitCode;
    }
    catch (OptionsValidationException ex)
    {
        await Console.Error.WriteLineAsync("Configuration error — fix these and start again:").ConfigureAwait(false);
        foreach (var failure in ex.Failures) await Console.Error.WriteLineAsync($"  - {failure}").ConfigureAwait(false);
        return 2;
    }
    catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException || ex.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
    {
        await Console.Error.WriteLineAsync($"Could not listen: {ex.Message.TrimEnd('.')}. Is another node using that --http-port?").ConfigureAwait(false);
        return 2;
    }
}
