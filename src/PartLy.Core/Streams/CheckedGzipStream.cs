using System.IO.Compression;

namespace PartLy.Core.Streams;

/// <summary>
/// A gzip file read as a stream that notices a truncated file: at the end it compares the bytes it decompressed
/// with the size the gzip trailer records (ISIZE, the last four bytes: the uncompressed length mod 2³²), as
/// <c>gzip -t</c> would, and throws <see cref="InvalidDataException"/> when they differ.
/// </summary>
internal sealed class CheckedGzipStream : Stream
{
    private readonly GZipStream _gzip;
    private readonly uint _recordedSize;
    private long _read;

    public CheckedGzipStream(FileStream file)
    {
        Span<byte> trailer = stackalloc byte[4];
        file.Seek(-4, SeekOrigin.End);
        file.ReadExactly(trailer);
        file.Position = 0;
        _recordedSize = BitConverter.ToUInt32(trailer);
        _gzip = new GZipStream(file, CompressionMode.Decompress);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _gzip.Read(buffer);
        _read += n;
        if (n == 0 && buffer.Length > 0 && (uint)_read != _recordedSize)
            throw new InvalidDataException($"the file is truncated or corrupt: {_read} bytes decompressed, its trailer records {_recordedSize}");
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gzip.Dispose();
        base.Dispose(disposing);
    }
}
