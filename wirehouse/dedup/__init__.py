"""Duplicates and stories: is an extracted article new, a copy, or a new version?"""
