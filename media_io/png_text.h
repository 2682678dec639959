// PNG text chunks at the byte level. OpenCV encodes and decodes the pixels but knows nothing of text
// chunks, so we add them to (and read them from) the encoded bytes: a PNG is a signature followed by
// length-type-data-CRC chunks, and text chunks may sit anywhere between IHDR and IEND.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace jl::media {

// Checks the chunk structure (signature, every chunk inside the buffer, IHDR first, IEND present) and
// returns every tEXt, zTXt and iTXt entry as UTF-8. `what` names the file in error messages.
std::map<std::string, std::string> read_png_text(const std::vector<unsigned char>& png,
                                                 const std::string& what);

// Returns `png` with one text chunk per entry inserted right after IHDR: tEXt when the value is
// ASCII, iTXt (UTF-8) otherwise. Keywords must be 1..79 printable Latin-1 characters.
std::vector<unsigned char> add_png_text(const std::vector<unsigned char>& png,
                                        const std::map<std::string, std::string>& text);

}  // namespace jl::media
