using System.Diagnostics;

namespace RaftActors.Jepsen.Harness;

/// <summary>Runs a system tool (nft, useradd, kill) and reports its failure with its output.</summary>
internal static class Shell
{
    public static (int Code, string Output) Run(string file, params string[] args) => RunWithInput(file, null, args);

    public static (int Code, string Output) RunWithInput(string file, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static string Check(string file, params string[] args) => CheckInput(file, null, args);

    public static string CheckInput(string file, string? stdin, params string[] args)
    {
        var (code, output) = RunWithInput(file, stdin, args);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with {code}: {output.Trim()}");
    }

    public static bool Exists(string file) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, file)));
}
