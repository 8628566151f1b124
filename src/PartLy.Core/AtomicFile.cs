namespace PartLy.Core;

/// <summary>
/// Writes a file so that readers see either the old content or the whole new one, never half of it: a temporary
/// file beside it, flushed, then renamed. <see cref="InProgress"/> says whether a write is under way (a second
/// Ctrl+C waits for it).
/// </summary>
public static class AtomicFile
{
    private static int _inProgress;

    public static bool InProgress => Volatile.Read(ref _inProgress) > 0;

    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        Interlocked.Increment(ref _inProgress);
        string temporary = $"{full}.{Environment.ProcessId}.tmp";
        try
        {
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _inProgress);
        }
    }

    /// <summary>
    /// Checks, before any work, that a file can be written at <paramref name="path"/>: not a directory, its folder
    /// creatable and writable. Names the setting in the error.
    /// </summary>
    public static void CheckWritable(string path, string what)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new InputException($"{what} {path}: is a directory, not a file");
        CheckFolder(Path.GetDirectoryName(full)!, what, path);
    }

    /// <summary>Checks that <paramref name="path"/> is, or can be made, a writable folder.</summary>
    public static void CheckWritableFolder(string path, string what)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new InputException($"{what} {path}: is a file, not a folder");
        CheckFolder(full, what, path);
    }

    /// <summary>Probes the folder, or the nearest of its parents that exists (nothing is created: a failed run leaves no folder).</summary>
    private static void CheckFolder(string folder, string what, string path)
    {
        string existing = folder;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing)) throw new InputException($"{what} {path}: {existing} is a file, not a folder");
            existing = Path.GetDirectoryName(existing) ?? throw new InputException($"{what} {path}: no such folder");
        }
        string probe = Path.Combine(existing, $".partly-probe-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{what} {path}: cannot write there ({e.Message})");
        }
    }
}
