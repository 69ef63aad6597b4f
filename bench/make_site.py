#!/usr/bin/env python3
"""A generated District web site for `make bench-site`: PAGES pages in
school folders, IMAGES small PNG photos (some with XMP captions naming
students), links between pages, to photos and outside; students of the
roster named in full and as first name and last initial, a few advertising
scripts and payment links. Deterministic for a seed.

  make_site.py OUT PAGES IMAGES USERS_CSV [SEED]
"""
import csv
import os
import random
import struct
import sys
import zlib


def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)


def png(caption):
    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 0, 0, 0, 0))
    if caption:
        xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
               '22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/'
               'elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">%s</rdf:li>'
               '</rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>' % caption)
        out += chunk(b'iTXt', b'XML:com.adobe.xmp\x00\x00\x00\x00\x00' + xmp.encode())
    return out + chunk(b'IDAT', zlib.compress(b'\x00\x80')) + chunk(b'IEND', b'')


def main():
    out, pages, images, users = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 11)
    students = []
    with open(users, newline='') as f:
        for row in csv.DictReader(f):
            if row.get('role') == 'student':
                students.append((row['givenName'], row['familyName']))
    schools = ['elementary-%d' % i for i in range(1, 5)] + ['middle-1', 'high-1', 'high-2']
    paths = ['%s/page-%05d.html' % (schools[i % len(schools)], i) for i in range(pages)]
    photos = ['%s/photos/photo-%05d.png' % (schools[i % len(schools)], i) for i in range(images)]
    for s in schools:
        os.makedirs(os.path.join(out, s, 'photos'), exist_ok=True)
    for i, p in enumerate(photos):
        caption = ''
        if i % 10 == 0 and students:
            g, f = rng.choice(students)
            caption = '%s %s at the science fair' % (g, f)
        with open(os.path.join(out, p), 'wb') as fh:
            fh.write(png(caption))
    words = ('the district board school students families teachers library science art music '
             'reading math field trip assembly lunch schedule calendar volunteers community').split()
    per_page = max(1, images // max(1, pages))
    for i, p in enumerate(paths):
        depth = p.count('/')
        up = '../' * depth
        body = ['<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page %d</title>' % i]
        if i % 97 == 0:
            body.append('<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js"></script>')
        body.append('</head><body><h1>News %d</h1>' % i)
        for _ in range(8):
            body.append('<p>%s.</p>' % ' '.join(rng.choice(words) for _ in range(40)).capitalize())
        if students and i % 3 == 0:
            g, f = rng.choice(students)
            body.append('<p>Congratulations to %s %s on the spelling bee.</p>' % (g, f))
        if students and i % 5 == 0:
            g, f = rng.choice(students)
            body.append('<p>%s %s. read a poem.</p>' % (g, f[:1]))
        for k in range(per_page):
            ph = photos[(i * per_page + k) % len(photos)]
            body.append('<figure><img src="%s%s" alt="Photo"><figcaption>Field day</figcaption></figure>' % (up, ph))
        for _ in range(10):
            body.append('<a href="%s%s">more</a> ' % (up, paths[rng.randrange(pages)]))
        if i % 50 == 0:
            body.append('<a href="https://www.gofundme.com/f/band-%d">donate</a>' % i)
        body.append('<a href="%smissing-%d.html">old</a>' % (up, i % 7) if i % 40 == 0 else '')
        body.append('</body></html>')
        with open(os.path.join(out, p), 'w') as fh:
            fh.write('\n'.join(body))
    links = ''.join('<li><a href="%s">%s</a></li>' % (p, p) for p in paths[:200])
    with open(os.path.join(out, 'index.html'), 'w') as fh:
        fh.write('<!doctype html><html lang="en"><head><title>District</title></head><body><ul>%s</ul>'
                 '</body></html>' % links)


main()
